"""Partner API secrets encrypted at rest (Fernet), with keys from the operator's environment.

`COMPTOIR_CREDENTIAL_KEYS` lists Fernet keys, comma-separated: the first encrypts, every one decrypts
(`MultiFernet`), so a key is rotated by prepending a new one, running `comptoir rotate-credentials`
(re-encrypts each stored secret with the first key), then dropping the old key. Without keys, one is
derived from SECRET_KEY, so a development portal works out of the box; production sets the keys.
A secret is never returned by the API, shown on a page or logged: only its last four characters.
"""

import base64
import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@functools.cache
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if not keys:
        derived = hashlib.sha256(b"comptoir-credentials:" + secret_key.encode()).digest()
        keys = (base64.urlsafe_b64encode(derived).decode(),)
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(k.strip() for k in settings.COMPTOIR_CREDENTIAL_KEYS if k.strip()), settings.SECRET_KEY)


def secret_encrypt(value: str) -> str:
    return _current().encrypt(value.encode()).decode()


def secret_decrypt(token: str) -> str:
    """The clear secret; ValueError when no configured key opens it (a key was dropped too early)."""
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("credential not decryptable with the configured keys") from exc


def secret_rotate(token: str) -> str:
    """The same secret encrypted with the first key."""
    return _current().rotate(token.encode()).decode()


def secret_hint(value: str) -> str:
    return f"…{value[-4:]}" if len(value) > 8 else "…"


# --- declared fields: one rule for the UI and the API -------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One setting typed by the firm (a connection's API key, an installation's FTP host…).

    `secret`: stored encrypted (`<key>_encrypted`, with `<key>_hint`), never shown again; omitted, the
    stored one is kept; given empty, it is refused. `clean` validates and normalises a value (raises
    django ValidationError); `choices`, when given, are the accepted values.
    """

    key: str
    label: str
    secret: bool = False
    required: bool = True
    default: str = ""
    choices: tuple[str, ...] = ()
    clean: Callable[[str], str] | None = None
    input_type: str = "text"
    help: str = ""


def _stored(field: Field, stored: dict) -> str | None:
    if field.secret:
        token = stored.get(f"{field.key}_encrypted")
        return secret_decrypt(token) if token else None
    return stored.get(field.key)


def fields_clean(fields: tuple[Field, ...], given: dict, stored: dict) -> dict[str, str]:
    """The clear values: a field omitted (absent or None) keeps the stored value (or its default);
    a secret given empty is refused, a required one missing too. ValidationError keyed by field."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    clean, errors = {}, {}
    for field in fields:
        raw = given.get(field.key)
        if raw is None:
            try:
                value = _stored(field, stored)
            except ValueError:
                errors[field.key] = [_("Le secret enregistré ne peut pas être déchiffré : saisissez-le de nouveau.")]
                continue
            if value is None:
                value = field.default
            if value == "" and field.required:
                errors[field.key] = [_("Renseignez ce champ (%(label)s).") % {"label": field.label}]
                continue
            clean[field.key] = value
            continue
        value = str(raw) if field.secret else str(raw).strip()
        if value.strip() == "":
            if field.secret or field.required:
                errors[field.key] = [_("Renseignez ce champ (%(label)s).") % {"label": field.label}]
                continue
            clean[field.key] = ""
            continue
        if field.choices and value not in field.choices:
            errors[field.key] = [_("Valeur inconnue : choisissez parmi %(choices)s.")
                                 % {"choices": ", ".join(field.choices)}]
            continue
        try:
            clean[field.key] = field.clean(value) if field.clean else value
        except ValidationError as exc:
            errors[field.key] = exc.messages
    if errors:
        raise ValidationError(errors)
    return clean


def fields_store(fields: tuple[Field, ...], clean: dict[str, str]) -> dict:
    """What is written in a JSON config: plain values, and each secret encrypted with its hint."""
    stored = {}
    for field in fields:
        if field.key not in clean:
            continue
        if field.secret:
            stored[f"{field.key}_encrypted"] = secret_encrypt(clean[field.key])
            stored[f"{field.key}_hint"] = secret_hint(clean[field.key])
        else:
            stored[field.key] = clean[field.key]
    return stored


def fields_clear(fields: tuple[Field, ...], stored: dict) -> dict[str, str]:
    """The clear values of a stored config (ValueError when a secret cannot be decrypted)."""
    values = {}
    for field in fields:
        value = _stored(field, stored)
        values[field.key] = field.default if value is None else value
    return values


def fields_public(fields: tuple[Field, ...], stored: dict) -> dict[str, str | None]:
    """What may be shown or returned: plain values; for a secret, only its hint (`<key>_hint`)."""
    public: dict[str, str | None] = {}
    for field in fields:
        if field.secret:
            public[f"{field.key}_hint"] = stored.get(f"{field.key}_hint")
        else:
            public[field.key] = stored.get(field.key, field.default)
    return public


def secrets_rotate(stored: dict) -> tuple[dict, bool]:
    """Every `*_encrypted` value re-encrypted with the first key; (new config, whether any was)."""
    rotated = {key: secret_rotate(value) if key.endswith("_encrypted") and value else value
               for key, value in stored.items()}
    return rotated, any(key.endswith("_encrypted") and value for key, value in stored.items())
