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
