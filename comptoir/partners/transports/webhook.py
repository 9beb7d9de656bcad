"""The webhook transport: an HTTPS POST of the document and its description, signed with the connection's secret.

The partner class writes the description (`webhook_payload`). The target URL is typed by a person,
so it is checked against server-side request forgery again at each send (`addresses`), since what
a host name resolves to can change after the connection was saved. The request then goes to the
very address that check resolved (TLS still names the host, for SNI and the certificate, and so does
`Host:`): a name that answers a public address to the check and an internal one to a second look
(DNS rebinding) never gets a second look. What a failed connection says is kept out of
`last_error`, which people read: an internal port refusing or answering is not theirs to map.
"""

import hashlib
import hmac
import json
import logging
from typing import TYPE_CHECKING

import httpx
from django.core.exceptions import ValidationError

from comptoir.ged.blobs import blob_open
from comptoir.partners.addresses import HostUnresolved, webhook_target_public_check
from comptoir.partners.models import Delivery
from comptoir.partners.transports import PermanentError, TransientError, Transport

if TYPE_CHECKING:
    from comptoir.partners.catalogue.base import PartnerApp

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Comptoir-Signature"
TIMEOUT_SECONDS = 30.0


def webhook_target_check(url: str) -> str:
    """The shared SSRF check (`addresses.webhook_target_public_check`) in the transport's vocabulary:
    the address to connect to."""
    try:
        return webhook_target_public_check(url)
    except ValidationError as exc:
        raise PermanentError(" ".join(exc.messages)) from exc
    except HostUnresolved as exc:
        raise TransientError(str(exc)) from exc


def webhook_signature(*, body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _unreachable(exc: httpx.HTTPError) -> str:
    """What people may read of a failed request: its kind, never the socket's own words."""
    if isinstance(exc, httpx.TimeoutException):
        return "Délai dépassé : le partenaire n'a pas répondu à temps."
    if isinstance(exc, httpx.ConnectError):
        return "API injoignable : la connexion au partenaire a échoué."
    return "API injoignable : l'échange avec le partenaire a été interrompu."


class WebhookTransport(Transport):
    kind = "api"

    def send(self, *, app: "PartnerApp", delivery: Delivery) -> str:
        return webhook_send(app=app, delivery=delivery)


def webhook_send(*, app: "PartnerApp", delivery: Delivery) -> str:
    config = delivery.destination.connection.config or {}
    url = delivery.destination.address
    pinned = webhook_target_check(url)
    document = delivery.document
    with blob_open(document.blob) as stream:
        content = stream.read()
    request = httpx.Request(
        "POST",
        url,
        data={"description": json.dumps(app.webhook_payload(delivery), ensure_ascii=False)},
        files={"file": (document.name, content, document.content_type or "application/octet-stream")},
    )
    body = request.read()
    request.headers["Idempotency-Key"] = str(delivery.pk)
    request.headers[SIGNATURE_HEADER] = webhook_signature(body=body, secret=str(config.get("signing_secret", "")))
    request.headers["User-Agent"] = "Comptoir"
    # Connect to the checked address; `Host:` was set from the URL above, SNI names the host too.
    request.extensions["sni_hostname"] = request.url.host
    request.url = request.url.copy_with(host=pinned)
    try:
        # A transport of our own: no proxy from the environment (it would resolve the name again);
        # the CA bundle still comes from SSL_CERT_FILE when set.
        with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False, transport=httpx.HTTPTransport()) as client:
            response = client.send(request)
    except httpx.HTTPError as exc:
        logger.info("webhook delivery %s to %s: %r", delivery.pk, url, exc)
        raise TransientError(_unreachable(exc)) from None
    reply = f"HTTP {response.status_code} {response.text[:500]}".strip()
    if response.is_success:
        return reply
    if response.status_code in (408, 429) or response.status_code >= 500:
        raise TransientError(reply)
    raise PermanentError(reply)
