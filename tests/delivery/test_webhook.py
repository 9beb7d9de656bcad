"""The `api` app: a signed HTTPS POST with an idempotency key, and no requests to private addresses."""

import hashlib
import hmac
import json
import threading
from email.parser import BytesParser
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from comptoir.partners.models import Delivery, DeliveryStatus
from comptoir.partners.services import connection_set, folder_switch_set, installation_create
from comptoir.partners.transports import PermanentError
from comptoir.partners.transports.webhook import webhook_target_check
from tests.delivery.conftest import drain, later, ventes
from tests.factories import PDF_BYTES, deposit_pdf


class Receiver:
    def __init__(self):
        self.requests: list[tuple[dict, bytes]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 201
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/comptoir"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def webhook(firm, company, firm_admin, receiver, settings):
    settings.COMPTOIR_WEBHOOK_ALLOW_PRIVATE = True
    installation = installation_create(firm=firm, slug="webhook", actor=firm_admin)
    connection = connection_set(installation=installation, company=company,
                                destinations={"endpoint": receiver.url}, actor=firm_admin)
    folder_switch_set(folder=ventes(company), connection=connection, state="on", actor=firm_admin)
    return connection


def test_webhook_posts_the_document_signed_with_an_idempotency_key(webhook, receiver, company, firm_admin):
    document = deposit_pdf(ventes(company), actor=firm_admin, name="vente-1.pdf", content=PDF_BYTES)
    assert drain() == 1
    delivery = Delivery.objects.get(document=document)
    assert delivery.status == DeliveryStatus.SENT
    [(headers, body)] = receiver.requests
    assert headers["Idempotency-Key"] == str(delivery.pk)
    secret = webhook.config["signing_secret"].encode()
    assert headers["X-Comptoir-Signature"] == "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    form = BytesParser(policy=default_policy).parsebytes(
        b"Content-Type: " + headers["Content-Type"].encode() + b"\r\n\r\n" + body)
    parts = {part.get_param("name", header="content-disposition"): part for part in form.iter_parts()}
    assert parts["file"].get_content() == PDF_BYTES
    assert parts["file"].get_filename() == "vente-1.pdf"
    description = json.loads(parts["description"].get_content())
    assert description["delivery_id"] == delivery.pk
    assert description["company"]["name"] == "Boulangerie Alpha"


def test_webhook_5xx_is_retried_and_4xx_fails(webhook, receiver, company, firm_admin):
    receiver.statuses = [503, 422]
    document = deposit_pdf(ventes(company), actor=firm_admin)
    drain()
    delivery = Delivery.objects.get(document=document)
    assert delivery.status == DeliveryStatus.RETRYING and "503" in delivery.last_error
    drain(now=later(minutes=2))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and "422" in delivery.last_error
    assert len(receiver.requests) == 2
    assert {h["Idempotency-Key"] for h, _ in receiver.requests} == {str(delivery.pk)}


def test_webhook_to_loopback_is_refused_without_the_setting(webhook, receiver, company, firm_admin, settings):
    settings.COMPTOIR_WEBHOOK_ALLOW_PRIVATE = False
    document = deposit_pdf(ventes(company), actor=firm_admin)
    drain()
    delivery = Delivery.objects.get(document=document)
    assert delivery.status == DeliveryStatus.FAILED
    assert "refusée" in delivery.last_error
    assert receiver.requests == []


@pytest.mark.parametrize("url", ["https://127.0.0.1/x", "https://10.1.2.3/x", "https://[::1]/x",
                                 "https://169.254.169.254/latest", "https://localhost/x", "http://example.com/x"])
def test_private_link_local_and_plain_http_targets_are_refused(url, settings):
    settings.COMPTOIR_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(PermanentError):
        webhook_target_check(url)
