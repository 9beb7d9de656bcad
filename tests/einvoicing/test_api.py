"""The PA through the API: connect, receive, answer with a CDAR valid against the D22B schema; roles and tenants."""

from datetime import date

import pytest
from lxml import etree

from comptoir.einvoicing.cdar import NS
from comptoir.einvoicing.sync import connection_sync
from comptoir.ged.models import Document
from tests.api.conftest import ApiClient, _fast_passwords  # noqa: F401 (autouse fixture of the API tests)
from tests.einvoicing.conftest import (
    BUYER_ID,
    BUYER_SECRET,
    SELLER_ID,
    UC1_CII,
    UC1_PDF,
    XSD,
    folder,
)
from tests.factories import UserFactory, membership_for
from tests.invoices.conftest import deposit

pytestmark = [pytest.mark.django_db, pytest.mark.embedded_only]


def _received(fake_pa, connection, company) -> Document:
    fake_pa.inject(BUYER_ID, flow_type="SupplierInvoice", content=UC1_CII.read_bytes(), name=UC1_CII.name)
    connection_sync(connection=connection)
    return Document.objects.get(company=company)


def test_connecting_checks_the_credentials_with_the_pa(fake_pa, buyer, firm_admin):
    api = ApiClient(firm_admin)
    assert api.post("/apps/pa/install").status_code == 201
    body = {"method": "afnor", "api_url": fake_pa.api_url, "token_url": fake_pa.token_url,
            "client_id": BUYER_ID, "client_secret": "wrong"}
    refused = api.send("PUT", f"/apps/pa/connections/{buyer.pk}", body)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_credentials"
    assert "Client authentication failed" in refused.json()["detail"]
    # Basic is tried first, then the form fields: a PA that takes only the latter is fine.
    fake_pa.state.client_auth = "form"
    accepted = api.send("PUT", f"/apps/pa/connections/{buyer.pk}", {**body, "client_secret": BUYER_SECRET})
    assert accepted.status_code == 200, accepted.json()
    assert BUYER_SECRET not in accepted.content.decode()
    assert [r[1] for r in fake_pa.requests()][-1].endswith("/v1/healthcheck")


def test_answering_210_needs_a_reason_then_sends_one_valid_cdar(fake_pa, buyer_pa, buyer, firm_admin):
    document = _received(fake_pa, buyer_pa, buyer)
    api = ApiClient(firm_admin)
    assert api.get(f"/documents/{document.pk}").json()["einvoice"]["direction"] == "received"
    refused = api.post(f"/documents/{document.pk}/einvoice/status", {"code": "210"})
    assert refused.status_code == 400 and refused.json()["error"] == "reason_required"
    assert fake_pa.flows(BUYER_ID, direction="Out") == []
    answered = api.post(f"/documents/{document.pk}/einvoice/status",
                        {"code": "210", "reason": "Montant facturé différent de la commande",
                         "reason_code": "MONTANTTOTAL_ERR"})
    assert answered.status_code == 202
    assert answered.json()["status"]["code"] == "210" and answered.json()["status"]["label"] == "Refusée"
    [sent] = fake_pa.flows(BUYER_ID, direction="Out")
    assert sent["flowSyntax"] == "CDAR"
    message = etree.fromstring(sent["file"])
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    assert schema.validate(message), schema.error_log
    ref = "rsm:AcknowledgementDocument/ram:ReferenceReferencedDocument"
    assert message.xpath(f"{ref}/ram:ProcessConditionCode/text()", namespaces=NS) == ["210"]
    assert message.xpath(f"{ref}/ram:IssuerAssignedID/text()", namespaces=NS) == ["F202500003"]
    # The seller's PA receives it as a status of its invoice.
    assert [f["flowType"] for f in fake_pa.flows(SELLER_ID, direction="In")] == ["CustomerInvoiceLC"]
    again = api.post(f"/documents/{document.pk}/einvoice/status", {"code": "210", "reason": "idem"})
    assert again.status_code == 200 and len(fake_pa.flows(BUYER_ID, direction="Out")) == 1


def test_roles_and_tenants(fake_pa, buyer_pa, buyer, firm, other_firm_admin, monkeypatch):
    document = _received(fake_pa, buyer_pa, buyer)
    path = f"/documents/{document.pk}/einvoice/status"
    body = {"code": "204"}
    assert ApiClient(other_firm_admin).post(path, body).status_code == 404
    member = membership_for(UserFactory(email="membre@acheteur.fr"), firm=firm, role="client_member",
                            company=buyer).user
    admin = membership_for(UserFactory(email="admin@acheteur.fr"), firm=firm, role="client_admin",
                           company=buyer).user
    assert ApiClient(member).post(path, body).status_code == 403
    assert ApiClient(admin).post(path, body).status_code == 403
    assert fake_pa.flows(BUYER_ID, direction="Out") == []
    # The company's setting on (#22's `clients_may_answer`, read by the policy through one function).
    monkeypatch.setattr("comptoir.einvoicing.policy.clients_may_answer", lambda company: True)
    assert ApiClient(admin).post(path, body).status_code == 202
    assert ApiClient(member).post(path, {"code": "205"}).status_code == 403


def test_a_sent_invoice_or_a_plain_document_cannot_be_answered(fake_pa, seller_pa, seller, firm_admin):
    from comptoir.einvoicing.models import Flow

    sent = deposit(folder(seller, "ventes", date(2025, 7, 1)), UC1_PDF.read_bytes(), name=UC1_PDF.name,
                   actor=firm_admin)
    Flow.objects.create(connection=seller_pa, company=seller, flow_id="out-1", direction="Out",
                        flow_type="CustomerInvoice", document=sent)
    api = ApiClient(firm_admin)
    answer = api.post(f"/documents/{sent.pk}/einvoice/status", {"code": "204"})
    assert answer.status_code == 409 and answer.json()["error"] == "not_received"
    plain = deposit(folder(seller, "achats"), b"%PDF-1.4 plain", name="plain.pdf", actor=firm_admin)
    assert api.get(f"/documents/{plain.pk}").json()["einvoice"] is None
    assert api.post(f"/documents/{plain.pk}/einvoice/status", {"code": "204"}).status_code == 409
