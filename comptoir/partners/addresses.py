"""Validation of destinations, written once: when a firm pastes them in, and again at send time.

The connection form and the transports call the same functions: collection addresses, webhook URLs,
and the webhook's server-side-request-forgery check (every address the host resolves to must be
public unless COMPTOIR_WEBHOOK_ALLOW_PRIVATE), which the transport runs again at each send.

An address ends up in an SMTP envelope and a `To:` header, so only a bare addr-spec is taken: no
display name, no list, no whitespace or line break that could smuggle a header (`Bcc:` injection).
"""

import re
import socket
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import parseaddr
from ipaddress import ip_address
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext as _

_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDR_SPEC = re.compile(rf"{_LOCAL}@{_LABEL}(?:\.{_LABEL})+")
_FORBIDDEN = set(" \t\r\n\0,;<>\"()[]\\:")
MAX_ADDRESS_LENGTH = 254


def email_address_normalise(raw: str) -> str:
    """A bare `local@domain` with its domain lowercased; anything else is a ValidationError."""
    value = (raw or "").strip(" ")
    if not value:
        raise ValidationError(_("Saisissez une adresse e-mail."), code="required")
    if "\r" in value or "\n" in value:
        raise ValidationError(_("L'adresse ne doit pas contenir de retour à la ligne."), code="newline")
    if any(char in _FORBIDDEN for char in value):
        raise ValidationError(
            _("Saisissez une seule adresse, sans nom ni espace ni ponctuation (ex. factures@exemple.fr)."),
            code="not_bare")
    if value.count("@") != 1:
        raise ValidationError(_("Une adresse e-mail contient exactement un « @ »."), code="at_sign")
    if len(value) > MAX_ADDRESS_LENGTH or not _ADDR_SPEC.fullmatch(value):
        raise ValidationError(_("« %(value)s » n'est pas une adresse e-mail valide.") % {"value": value},
                              code="invalid")
    # Belt and braces: the stdlib parsers and Django's validator must all read exactly this address.
    display_name, parsed = parseaddr(value, strict=True)
    if display_name or parsed != value:
        raise ValidationError(_("« %(value)s » n'est pas une adresse e-mail valide.") % {"value": value},
                              code="invalid")
    local, domain = value.split("@")
    try:
        address = Address(username=local, domain=domain.lower())
    except (HeaderParseError, ValueError, IndexError) as exc:
        raise ValidationError(_("« %(value)s » n'est pas une adresse e-mail valide.") % {"value": value},
                              code="invalid") from exc
    normalised = address.addr_spec
    EmailValidator(message=_("« %(value)s » n'est pas une adresse e-mail valide.") % {"value": value})(normalised)
    return normalised


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def webhook_url_normalise(raw: str) -> str:
    """An https URL without credentials; plain http only towards this machine (tests, local tools)."""
    value = (raw or "").strip(" ")
    if not value:
        raise ValidationError(_("Saisissez l'URL de réception."), code="required")
    if any(char in value for char in "\r\n\t\0 "):
        raise ValidationError(_("L'URL ne doit contenir ni espace ni retour à la ligne."), code="invalid")
    try:
        URLValidator(schemes=["https", "http"])(value)
    except ValidationError as exc:
        raise ValidationError(_("« %(value)s » n'est pas une URL valide.") % {"value": value},
                              code="invalid") from exc
    parts = urlsplit(value)
    if parts.username or parts.password:
        raise ValidationError(_("L'URL ne doit pas contenir d'identifiants."), code="credentials")
    if parts.scheme != "https" and not _is_loopback(parts.hostname or ""):
        raise ValidationError(_("L'URL doit commencer par https://."), code="not_https")
    return parts._replace(netloc=parts.netloc.lower()).geturl()


class HostUnresolved(Exception):
    """The host name does not resolve now: a DNS outage is worth another try, not a verdict."""


def webhook_target_public_check(url: str) -> str:
    """The address to connect to for an https URL whose host resolves only to public addresses;
    ValidationError says why not.

    The caller connects to the address returned, never to the name again: a second resolution could
    answer differently (DNS rebinding) after this one was checked. With COMPTOIR_WEBHOOK_ALLOW_PRIVATE
    (tests, on-premise partners) http and private networks pass, still pinned to one resolution.
    Raises `HostUnresolved` when the name does not resolve.
    """
    allow_private = settings.COMPTOIR_WEBHOOK_ALLOW_PRIVATE
    parts = urlsplit(url or "")
    if parts.scheme not in ({"https", "http"} if allow_private else {"https"}) or not parts.hostname:
        raise ValidationError(_("Adresse de l'API refusée (https requis) : « %(url)s »") % {"url": url},
                              code="not_https")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise HostUnresolved(f"Nom d'hôte introuvable : {parts.hostname} ({exc})") from exc
    addresses = [ip_address(info[4][0].split("%", 1)[0]) for info in infos]
    if not addresses:
        raise HostUnresolved(f"Nom d'hôte introuvable : {parts.hostname}")
    if not allow_private:
        for address in addresses:
            if not address.is_global or address.is_multicast:
                raise ValidationError(
                    _("Adresse de l'API refusée (réseau privé ou local) : %(host)s → %(address)s")
                    % {"host": parts.hostname, "address": address}, code="private")
    return str(addresses[0])
