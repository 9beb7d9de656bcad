"""The webhook transport: an HTTPS POST of the document and its description, signed with the connection's secret.

The partner class writes the description (`webhook_payload`). The target URL is typed by a person,
so it is checked against server-side request forgery again at each send (`addresses`), since what
a host name resolves to can change after the connection was saved.
"""

import hashlib
import hmac
import json
from typing import TYPE_CHECKING

import httpx
from django.core.exceptions import ValidationError

from comptoir.ged.blobs import blob_open
from comptoir.partners.addresses import HostUnresolved, webhook_target_public_check
from comptoir.partners.models import Delivery
from comptoir.partners.transports import PermanentError, TransientError, Transport

if TYPE_CHECKING:
    from comptoir.partners.catalogue.base import PartnerApp

SIGNATURE_HEADER = "X-Comptoir-Signature"
TIMEOUT_SECONDS = 30.0


def webhook_target_check(url: str) -> None:
    """The shared SSRF check (`addresses.webhook_target_public_check`) in the transport's vocabulary."""
    try:
        webhook_target_public_check(url)
    except ValidationError as exc:
        raise PermanentError(" ".join(exc.messages)) from exc
    except HostUnresolved as exc:
        raise TransientError(str(exc)) from exc


def webhook_signature(*, body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookTransport(Transport):

    def send(self, *, app: "PartnerApp", delivery: Delivery) -> str:
        return webhook_send(app=app, delivery=delivery)


def webhook_send(*, app: "PartnerApp", delivery: Delivery) -> str:
    config = delivery.destination.connection.config or {}
    url = delivery.destination.address
    webhook_target_check(url)
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
