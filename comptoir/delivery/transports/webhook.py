"""The `api` app: an HTTPS POST of the document and its description, signed with the connection's secret.

The target URL is typed by a person, so it is checked against server-side request forgery: every
address the host resolves to must be public, unless COMPTOIR_WEBHOOK_ALLOW_PRIVATE is set.
"""

import hashlib
import hmac
import ipaddress
import json
import socket
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from comptoir.delivery.transports import PermanentError, TransientError
from comptoir.delivery.transports.message import document_facts
from comptoir.ged.blobs import blob_open
from comptoir.partners.models import Delivery

SIGNATURE_HEADER = "X-Comptoir-Signature"
TIMEOUT_SECONDS = 30.0


def webhook_target_check(url: str) -> None:
    """Refuse what is not an https URL to a public address (PermanentError says why)."""
    allow_private = settings.COMPTOIR_WEBHOOK_ALLOW_PRIVATE
    parts = urlsplit(url or "")
    allowed_schemes = {"https", "http"} if allow_private else {"https"}
    if parts.scheme not in allowed_schemes or not parts.hostname:
        raise PermanentError(f"Adresse de l'API refusée (https requis) : « {url} »")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise TransientError(f"Nom d'hôte introuvable : {parts.hostname} ({exc})") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not address.is_global or address.is_multicast:
            raise PermanentError(f"Adresse de l'API refusée (réseau privé ou local) : {parts.hostname} → {address}")


def webhook_signature(*, body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _description(delivery: Delivery) -> dict:
    facts = document_facts(delivery)
    return {
        "delivery_id": delivery.pk,
        "document": {"name": facts.document_name, "content_type": facts.content_type, "size": facts.size,
                     "sha256": facts.sha256, "deposited_at": facts.deposited_at.isoformat(),
                     "depositor": facts.depositor, "channel": facts.channel, "folder": facts.folder_path},
        "company": {"name": facts.company_name, "siren": facts.company_siren},
        "firm": facts.firm_name,
    }


def webhook_send(delivery: Delivery) -> str:
    config = delivery.destination.connection.config or {}
    url = delivery.destination.address
    webhook_target_check(url)
    document = delivery.document
    with blob_open(document.blob) as stream:
        content = stream.read()
    request = httpx.Request(
        "POST",
        url,
        data={"description": json.dumps(_description(delivery), ensure_ascii=False)},
        files={"file": (document.name, content, document.content_type or "application/octet-stream")},
    )
    body = request.read()
    request.headers["Idempotency-Key"] = str(delivery.pk)
    request.headers[SIGNATURE_HEADER] = webhook_signature(body=body, secret=str(config.get("signing_secret", "")))
    request.headers["User-Agent"] = "Comptoir"
    try:
        with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
            response = client.send(request)
    except httpx.TimeoutException as exc:
        raise TransientError(f"Délai dépassé : {exc}") from exc
    except httpx.HTTPError as exc:
        raise TransientError(f"API injoignable : {exc}") from exc
    reply = f"HTTP {response.status_code} {response.text[:500]}".strip()
    if response.is_success:
        return reply
    if response.status_code in (408, 429) or response.status_code >= 500:
        raise TransientError(reply)
    raise PermanentError(reply)
