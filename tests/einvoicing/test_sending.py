"""Sending from « Ventes » through the PA, with the real worker and the fake PA over HTTP on loopback."""

import hashlib
from datetime import date

import pytest

from comptoir.einvoicing.models import Flow
from comptoir.einvoicing.selectors import einvoice_api_dict
from comptoir.einvoicing.submission import PaFlowTransport
from comptoir.einvoicing.sync import connection_sync
from comptoir.ged.models import Document
from comptoir.partners.models import Delivery
from tests.einvoicing.conftest import BUYER_ID, CDV_200, CDV_212, SELLER_ID, UC1_PDF, folder
from tests.factories import deposit_pdf
from tests.invoices.conftest import deposit
from tests.loopback import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.embedded_only]


def _status(delivery_id: int) -> str:
    return Delivery.objects.get(pk=delivery_id).status


def test_an_invoice_sent_from_ventes_is_one_flow_and_comes_back_encaissee(
        fake_pa, seller_pa, buyer_pa, seller, buyer, firm_admin, worker):
    content = UC1_PDF.read_bytes()
    document = deposit(folder(seller, "ventes", date(2025, 7, 1)), content, name=UC1_PDF.name, actor=firm_admin)
    [delivery] = Delivery.objects.filter(document=document)
    worker()
    wait_until(lambda: _status(delivery.pk) == "sent", what="the invoice submitted")
    [sent] = fake_pa.flows(SELLER_ID, direction="Out")
    assert sent["sha256"] == hashlib.sha256(content).hexdigest() == document.sha256
    assert (sent["flowSyntax"], sent["flowProfile"], sent["processingRule"]) == ("Factur-X", "CIUS", "B2B")
    assert sent["trackingId"] == f"comptoir-{delivery.pk}"
    # The buyer's PA routes it: the buyer receives it as a supplier invoice, in its Achats.
    connection_sync(connection=buyer_pa)
    received = Document.objects.get(company=buyer)
    assert received.folder == folder(buyer, "achats", date(2025, 7, 1)) and received.sha256 == document.sha256
    # The seller's statuses come back: « Déposée », then « Encaissée » (the official CDAR messages).
    fake_pa.inject(SELLER_ID, flow_type="CustomerInvoiceLC", content=CDV_200.read_bytes(), name=CDV_200.name,
                   syntax="CDAR")
    fake_pa.inject(SELLER_ID, flow_type="CustomerInvoiceLC", content=CDV_212.read_bytes(), name=CDV_212.name,
                   syntax="CDAR")
    connection_sync(connection=seller_pa)
    einvoice = einvoice_api_dict(document=document)
    assert einvoice["direction"] == "sent" and einvoice["flow_id"] == sent["flowId"]
    assert (einvoice["status"]["code"], einvoice["status"]["label"]) == ("212", "Encaissée")
    assert [(h["code"], h["at"][:10]) for h in einvoice["history"]] == [("212", "2025-08-02"), ("200", "2025-07-01")]
    assert Flow.objects.get(flow_id=sent["flowId"]).ack_status == "Ok"


def test_a_rejected_invoice_fails_its_delivery_with_the_pa_reasons(fake_pa, seller_pa, seller, firm_admin, worker):
    fake_pa.reject_submissions("REJ_SEMAN", "Numéro de TVA du vendeur absent")
    document = deposit(folder(seller, "ventes", date(2025, 7, 1)), UC1_PDF.read_bytes(), name=UC1_PDF.name,
                       actor=firm_admin)
    [delivery] = Delivery.objects.filter(document=document)
    worker()
    wait_until(lambda: _status(delivery.pk) == "sent", what="the invoice submitted")
    connection_sync(connection=seller_pa)
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "REJ_SEMAN" in delivery.last_error
    assert "Numéro de TVA du vendeur absent" in delivery.last_error
    assert einvoice_api_dict(document=document)["status"]["code"] == "213"
    from comptoir.einvoicing.selectors import sent_rejected

    assert list(sent_rejected(documents=Document.objects.filter(company=seller))) == [document]


def test_a_503_then_a_timeout_after_the_pa_accepted_is_one_flow(fake_pa, seller_pa, seller, firm_admin, settings,
                                                                 monkeypatch):
    settings.COMPTOIR_PA_TIMEOUT_SECONDS = 0.5
    monkeypatch.setattr(PaFlowTransport, "retry_delays", (0.05,), raising=False)
    from comptoir.einvoicing.client import FlowServiceClient

    monkeypatch.setattr(FlowServiceClient, "retry_delays", (0.05, 0.05))
    fake_pa.fail(503, times=1, method="POST", path=r"/flows$")
    fake_pa.timeout_after_create(seconds=1.5)
    document = deposit(folder(seller, "ventes", date(2025, 7, 1)), UC1_PDF.read_bytes(), name=UC1_PDF.name,
                       actor=firm_admin)
    delivery = Delivery.objects.select_related("document", "destination__connection").get(document=document)
    delivery.attempts = 1
    reply = PaFlowTransport().send(app=None, delivery=delivery)
    assert "flux" in reply
    assert len(fake_pa.flows(SELLER_ID, direction="Out")) == 1
    assert [r[2] for r in fake_pa.requests("POST", r"/flows$")] == [503, 202]


def test_a_plain_pdf_or_someone_elses_invoice_is_skipped_with_its_reason(fake_pa, seller_pa, seller, firm_admin):
    plain = deposit_pdf(folder(seller, "ventes"), actor=firm_admin, name="devis.pdf")
    [skipped] = Delivery.objects.filter(document=plain)
    assert skipped.status == "skipped" and "factures structurées" in skipped.reason
    from tests.einvoicing.conftest import UC1_CII

    other = UC1_CII.read_bytes().replace(b"100000009", b"300000007")
    theirs = deposit(folder(seller, "ventes"), other, name="autre.xml", actor=firm_admin)
    [refused] = Delivery.objects.filter(document=theirs)
    assert refused.status == "skipped" and "n'est pas l'entreprise" in refused.reason
    assert fake_pa.flows(BUYER_ID) == []
