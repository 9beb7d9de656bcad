"""The connection-method contract: a partner class with its own method, registered from this file only.

"Parcel" is a made-up partner: its own credential fields (an endpoint and a secret token), a transport
speaking HTTP to a server on loopback that follows its (equally made-up) API, and a status coming
back. No file of the project knows it, yet it is in the store and the OpenAPI connection schema, is
connected through the API and the UI, delivers once and shows its status on the document.
"""

import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from django.urls import reverse

from comptoir.delivery.services import delivery_send
from comptoir.ged.blobs import blob_open
from comptoir.partners.catalogue.base import Category, PartnerApp
from comptoir.partners.catalogue.registry import partner_app_register, partner_app_unregister
from comptoir.partners.credentials import Field
from comptoir.partners.methods import (
    ConnectionMethod,
    CredentialsRefused,
    DestinationSpec,
    PushedReceivable,
    RemoteStatus,
    Sent,
)
from comptoir.partners.models import Connection, Delivery, DeliveryStatus
from comptoir.partners.receivables import receivables_sync
from comptoir.partners.transports import PermanentError, TransientError
from tests.delivery.conftest import ventes
from tests.factories import deposit_pdf

TOKEN = "parcel-token-0123456789"


class ParcelServer(ThreadingHTTPServer):
    """Parcel's API: GET /ping (auth check), POST /documents (201 {"id"}), GET /documents/{id} (status)."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), ParcelHandler)
        self.received: list[dict] = []
        self.states: dict[str, str] = {}
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class ParcelHandler(BaseHTTPRequestHandler):
    server: ParcelServer

    def log_message(self, *args):
        pass

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorised(self) -> bool:
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._answer(401, {"message": "jeton inconnu"})
            return False
        return True

    def do_GET(self):
        if not self._authorised():
            return
        if self.path == "/ping":
            return self._answer(200, {"ok": True})
        doc_id = self.path.rsplit("/", 1)[-1]
        if doc_id in self.server.states:
            return self._answer(200, {"id": doc_id, "status": self.server.states[doc_id]})
        return self._answer(404, {"message": "inconnu"})

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if not self._authorised():
            return
        doc_id = f"P-{len(self.server.received) + 1}"
        self.server.received.append({"id": doc_id, "name": self.headers["X-Name"], "bytes": body})
        self.server.states[doc_id] = "open"
        self._answer(201, {"id": doc_id})


class ParcelMethod(ConnectionMethod):
    name = "parcel"
    label = "par l'API Parcel"
    kind_label = "API Parcel (HTTPS)"
    kind = "api"
    fields = (Field("endpoint", "URL de l'API Parcel", input_type="url"),
              Field("token", "Jeton Parcel", secret=True, input_type="password"))
    addresses_typed = False
    status_back = True

    def destinations(self, app):
        return (DestinationSpec("parcel", "API Parcel"),)

    def _call(self, method: str, path: str, credentials: dict, *, headers=None, **kwargs) -> httpx.Response:
        try:
            response = httpx.request(method, credentials["endpoint"] + path, timeout=5, **kwargs,
                                     headers={"Authorization": f"Bearer {credentials['token']}", **(headers or {})})
        except httpx.HTTPError as exc:
            raise TransientError(f"Parcel injoignable : {exc}") from exc
        if response.status_code >= 400:
            raise PermanentError(f"Parcel : HTTP {response.status_code} {response.json()['message']}")
        return response

    def credentials_check(self, *, app, credentials, settings):
        try:
            self._call("GET", "/ping", credentials)
        except PermanentError as exc:
            raise CredentialsRefused(f"Parcel refuse ce jeton ({exc.reply})", reply=exc.reply, field="token") from exc

    def send(self, *, app, delivery):
        credentials = self.credentials(connection=delivery.destination.connection)
        with blob_open(delivery.document.blob) as stream:
            content = stream.read()
        remote = self._call("POST", "/documents", credentials, content=content,
                            headers={"X-Name": delivery.document.name}).json()
        return Sent(reply=f"Parcel : document {remote['id']}", receivable=PushedReceivable(external_id=remote["id"]))

    def status_fetch(self, *, app, connection, external_id):
        data = self._call("GET", f"/documents/{external_id}", self.credentials(connection=connection)).json()
        return RemoteStatus(state={"open": "open", "paid": "paid"}.get(data["status"]), raw_state=data["status"],
                            amount_outstanding=Decimal("0") if data["status"] == "paid" else None)


class Parcel(PartnerApp):
    slug = "parcel"
    name = "Parcel"
    category = Category.INTEGRATION
    short_description = {"fr": "Un partenaire d'essai.", "en": "A test partner."}
    long_description = {"fr": "Un partenaire d'essai, déclaré par le test.", "en": "A test partner."}
    destinations = ()
    methods = (ParcelMethod(),)
    visibility = "firm"


@pytest.fixture
def parcel():
    server = ParcelServer()
    server.thread.start()
    partner_app_register(Parcel)
    try:
        yield server
    finally:
        partner_app_unregister(Parcel.slug)
        server.shutdown()
        server.server_close()


def test_a_partner_class_registered_from_a_test_is_connected_delivers_once_and_shows_its_status(
        parcel, firm, company, firm_admin, api_as, admin_client):
    client = api_as(firm_admin)
    assert "parcel" in [app["slug"] for app in client.get("/apps").json()]
    schema = client.get("/openapi.json").json()["components"]["schemas"]["ConnectionIn"]
    assert "parcel" in schema["properties"]["method"]["anyOf"][0]["enum"]
    assert {"endpoint", "token"} <= set(schema["properties"])
    assert client.post("/apps/parcel/install").status_code == 201

    # By the API: a wrong token is refused with Parcel's own message, nothing stored.
    url = f"/apps/parcel/connections/{company.pk}"
    refused = client.send("PUT", url, {"method": "parcel", "endpoint": parcel.url, "token": "faux"})
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_credentials"
    assert "jeton inconnu" in refused.json()["detail"] and not Connection.objects.exists()
    empty = client.send("PUT", url, {"method": "parcel", "endpoint": parcel.url, "token": ""})
    assert empty.status_code == 400 and not Connection.objects.exists(), "an empty secret is refused"
    saved = client.send("PUT", url, {"method": "parcel", "endpoint": parcel.url, "token": TOKEN})
    assert saved.status_code == 200, saved.content
    assert saved.json()["credentials"] == {"endpoint": parcel.url, "token_hint": "…6789"}
    assert TOKEN not in saved.content.decode() and TOKEN not in json.dumps(Connection.objects.get().config)

    # In the UI: its fields are on the connection page; an empty secret input keeps the stored token.
    page = admin_client.get(reverse("partners:connections", args=["parcel"])).content.decode()
    assert "Jeton Parcel" in page and "URL de l&#x27;API Parcel" in page and TOKEN not in page
    response = admin_client.post(reverse("partners:connections", args=["parcel"]), {
        f"authorise-{company.pk}": "1", f"endpoint-{company.pk}": parcel.url, f"token-{company.pk}": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ParcelMethod().credentials(connection=Connection.objects.get())["token"] == TOKEN
    wrong = admin_client.post(reverse("partners:connections", args=["parcel"]), {
        f"authorise-{company.pk}": "1", f"endpoint-{company.pk}": parcel.url, f"token-{company.pk}": "faux"})
    assert wrong.status_code == 400 and "Parcel refuse ce jeton" in wrong.content.decode(), "the partner's wording"

    # Switched on for Ventes through the API's switches; a deposit goes to Parcel once.
    sales = ventes(company)
    assert client.send("PUT", f"/folders/{sales.pk}/switches/parcel", {"state": "on"}).status_code == 200
    document = deposit_pdf(sales, name="releve.pdf", actor=firm_admin)
    [delivery] = Delivery.objects.filter(app_slug="parcel")
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery_send(delivery_id=delivery.pk, worker_id="contract:1").status == DeliveryStatus.SENT
    assert delivery_send(delivery_id=delivery.pk, worker_id="contract:1") is None
    assert [item["name"] for item in parcel.received] == ["releve.pdf"]
    with blob_open(document.blob) as stream:
        assert parcel.received[0]["bytes"] == stream.read()

    # The status comes back, and shows on the document.
    parcel.states["P-1"] = "paid"
    receivables_sync()
    assert client.get(f"/documents/{document.pk}").json()["receivable"]["state"] == "paid"
    panel = admin_client.get(reverse("partners:document_receivable", args=[document.pk])).content.decode()
    assert 'data-state="paid"' in panel and "Parcel" in panel
