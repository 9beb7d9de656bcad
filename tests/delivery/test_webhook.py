"""The `api` app: a signed HTTPS POST with an idempotency key, and no requests to private addresses."""

import hashlib
import hmac
import ipaddress
import json
import socket
import ssl
import threading
from email.parser import BytesParser
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import trustme

from comptoir.partners.addresses import webhook_target_public_check
from comptoir.partners.models import Delivery, DeliveryStatus
from comptoir.partners.services import connection_set, folder_switch_set, installation_create
from comptoir.partners.transports import PermanentError
from comptoir.partners.transports.webhook import webhook_target_check
from tests.delivery.conftest import drain, later, ventes
from tests.factories import PDF_BYTES, deposit_pdf


class Receiver:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, tls: ssl.SSLContext | None = None):
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

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.port = self.server.server_port
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
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


def _resolver_rebinding(monkeypatch, *, name: str, answers: list[str]) -> list[str]:
    """`name` resolves to answers[0] on the first look, then to answers[1] on every later one (DNS
    rebinding); other names resolve as usual. Returns the list of answers given, in order."""
    real = socket.getaddrinfo
    given: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host != name:
            return real(host, port, *args, **kwargs)
        given.append(answers[min(len(given), 1)])
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (given[-1], int(port or 443)))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return given


def test_webhook_connects_to_the_address_its_guard_checked(company, firm, firm_admin, settings, monkeypatch):
    """The partner's name answers the guard with an address it lets through (127.0.0.1 stands for a
    public one here), then 127.0.0.2, an internal service on the same port: the document goes where
    the guard looked, over TLS naming the host (SNI, certificate, `Host:`), and the internal service
    sees nothing."""
    settings.COMPTOIR_WEBHOOK_ALLOW_PRIVATE = False
    authority = trustme.CA()
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("hooks.partner.test").configure_cert(server_tls)
    with authority.cert_pem.tempfile() as ca_file:
        monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
        monkeypatch.delenv("SSL_CERT_DIR", raising=False)
        public_stand_in = ipaddress.IPv4Address("127.0.0.1")
        is_global = ipaddress.IPv4Address.is_global
        monkeypatch.setattr(ipaddress.IPv4Address, "is_global",
                            property(lambda self: self == public_stand_in or is_global.fget(self)))
        checked = Receiver("127.0.0.1", tls=server_tls)
        internal = Receiver("127.0.0.2", port=checked.port, tls=server_tls)
        try:
            installation = installation_create(firm=firm, slug="webhook", actor=firm_admin)
            connection = connection_set(installation=installation, company=company, actor=firm_admin,
                                        destinations={"endpoint": f"https://hooks.partner.test:{checked.port}/h"})
            folder_switch_set(folder=ventes(company), connection=connection, state="on", actor=firm_admin)
            given = _resolver_rebinding(monkeypatch, name="hooks.partner.test", answers=["127.0.0.1", "127.0.0.2"])
            document = deposit_pdf(ventes(company), actor=firm_admin)
            drain()
        finally:
            checked.stop()
            internal.stop()
    assert internal.requests == []
    delivery = Delivery.objects.get(document=document)
    assert delivery.status == DeliveryStatus.SENT, delivery.last_error
    assert given == ["127.0.0.1"]  # resolved once, by the guard
    [(headers, _body)] = checked.requests
    assert headers["Host"] == f"hooks.partner.test:{checked.port}"


def test_guard_pins_a_public_answer_and_refuses_any_private_one(settings, monkeypatch):
    settings.COMPTOIR_WEBHOOK_ALLOW_PRIVATE = False
    _resolver_rebinding(monkeypatch, name="hooks.partner.example", answers=["93.184.215.14", "127.0.0.1"])
    assert webhook_target_public_check("https://hooks.partner.example/x") == "93.184.215.14"
    with pytest.raises(PermanentError, match="127.0.0.1"):
        webhook_target_check("https://hooks.partner.example/x")


def test_a_refused_connection_does_not_tell_people_which_ports_answer(webhook, receiver, company, firm_admin):
    """`last_error` is shown in the send history: it says the partner was unreachable, not the socket's errno."""
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    destination = webhook.destinations.get()
    destination.address = f"http://127.0.0.1:{closed_port}/admin"
    destination.save(update_fields=["address"])
    document = deposit_pdf(ventes(company), actor=firm_admin)
    drain()
    delivery = Delivery.objects.get(document=document)
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.last_error == "API injoignable : la connexion au partenaire a échoué."
