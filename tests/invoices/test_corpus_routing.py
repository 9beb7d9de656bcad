"""What payables partners get of the corpus: no order, no quote; an unreadable e-invoice held for a person;
the UBL and the CII of one official invoice sent once. Real SMTP on loopback, the fake Upflow on loopback."""

import pytest

from comptoir.invoices.services import invoice_facts_reread, invoice_facts_too_slow_ids
from comptoir.partners.models import Delivery, DeliveryStatus
from comptoir.partners.routing import deliveries_reconsider
from tests.delivery.conftest import drain, ventes
from tests.invoices.conftest import deposit
from tests.invoices.corpus_expected import CORPUS

NOT_PAYABLE = ("own/orderx_basic.pdf", "own/orderx_basic.xml", "own/cii_310_quote.xml")


def _deposit(company, name: str, actor):
    path = CORPUS / name
    return deposit(ventes(company), path.read_bytes(), name=path.name, actor=actor)


@pytest.mark.parametrize("name", NOT_PAYABLE)
def test_an_order_and_a_quote_are_skipped_by_email_with_the_reason(smtp_server, upflow, company, firm_admin, name):
    document = _deposit(company, name, firm_admin)
    delivery = Delivery.objects.get(document=document)
    assert delivery.status == DeliveryStatus.SKIPPED
    label = "Devis" if "310" in name else "Bon de commande"
    assert "n'est pas une facture à payer" in delivery.reason and label in delivery.reason
    assert drain() == 0 and smtp_server.messages == []


@pytest.mark.parametrize("name", NOT_PAYABLE)
def test_an_order_and_a_quote_are_skipped_by_the_upflow_api(upflow_api, fake, company, firm_admin, name):
    document = _deposit(company, name, firm_admin)
    delivery = Delivery.objects.get(document=document)
    assert delivery.status == DeliveryStatus.SKIPPED and "n'est pas une facture à payer" in delivery.reason
    assert drain() == 0


def test_the_ubl_and_the_cii_of_one_official_invoice_make_one_duplicate_sent_once(
        smtp_server, upflow, company, firm_admin):
    # Upflow takes PDFs: the Factur-X of the AFNOR example goes first, then its UBL and CII (same seller, number).
    pdf = _deposit(company, "afnor/UC1_F202500003_00-INV_20250701.pdf", firm_admin)
    ubl = _deposit(company, "afnor/UC1_F202500003_00-INV_20250701_UBL.xml", firm_admin)
    cii = _deposit(company, "afnor/UC1_F202500003_00-INV_20250701_CII.xml", firm_admin)
    for again in (ubl, cii):
        assert again.invoice_facts.duplicate_of_id == pdf.pk
        assert [w["code"] for w in again.invoice_facts.warnings].count("duplicate") == 1
        assert Delivery.objects.get(document=again).status == DeliveryStatus.SKIPPED
    assert drain() == 1
    smtp_server.wait_for(1)
    assert len(smtp_server.messages) == 1
    assert "F202500003" in smtp_server.messages[0]["Subject"]


def test_the_cii_after_the_ubl_says_deja_recue(api_as, company, client_user):
    from tests.factories import folder_named

    folder = folder_named(company, "Achats")
    for name in ("afnor/UC1_F202500003_00-INV_20250701_UBL.xml", "afnor/UC1_F202500003_00-INV_20250701_CII.xml"):
        response = api_as(client_user).upload(f"/folders/{folder.pk}/documents", name.split("/")[1],
                                              (CORPUS / name).read_bytes())
        assert response.status_code == 201
    warnings = api_as(client_user).get(f"/documents/{response.json()['id']}").json()["invoice"]["warnings"]
    assert [text for text in warnings if text.startswith("Déjà reçue le ")], warnings


def test_an_unreadable_e_invoice_is_held_and_sent_by_email_only_when_a_person_says_so(
        smtp_server, upflow, company, firm_admin, api_as):
    document = _deposit(company, "own/broken_facturx_embedded.pdf", firm_admin)
    assert document.invoice_facts.claims_invoice
    delivery = Delivery.objects.get(document=document)
    assert delivery.status == DeliveryStatus.INCOMPLETE
    assert drain() == 0
    response = api_as(firm_admin).post(f"/deliveries/{delivery.pk}/send-anyway")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "pending"
    assert drain() == 1
    smtp_server.wait_for(1)
    again = api_as(firm_admin).post(f"/deliveries/{delivery.pk}/send-anyway")
    assert again.status_code == 409


def test_a_broken_pdf_says_nothing_of_an_invoice_and_is_sent_as_before(smtp_server, upflow, company, firm_admin):
    document = _deposit(company, "own/broken_truncated.pdf", firm_admin)
    assert document.invoice_facts.status == "unreadable" and not document.invoice_facts.claims_invoice
    assert Delivery.objects.get(document=document).status == DeliveryStatus.PENDING


def test_send_anyway_is_for_firm_staff_of_the_firm(upflow, company, firm_admin, client_user, other_firm_admin,
                                                   api_as):
    document = _deposit(company, "own/broken_facturx_embedded.pdf", firm_admin)
    delivery = Delivery.objects.get(document=document)
    assert api_as(other_firm_admin).post(f"/deliveries/{delivery.pk}/send-anyway").status_code == 404
    assert api_as(client_user).post(f"/deliveries/{delivery.pk}/send-anyway").status_code == 404
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.INCOMPLETE


def test_the_upflow_api_cannot_send_an_unreadable_e_invoice_anyway(upflow_api, fake, company, firm_admin, api_as):
    document = _deposit(company, "own/broken_facturx_embedded.pdf", firm_admin)
    delivery = Delivery.objects.get(document=document)
    assert delivery.status == DeliveryStatus.INCOMPLETE
    response = api_as(firm_admin).post(f"/deliveries/{delivery.pk}/send-anyway")
    assert response.status_code == 409 and "complétez" in response.json()["detail"]


def test_a_reading_out_of_time_is_read_again_later_and_its_delivery_decided(
        smtp_server, upflow, company, firm_admin, settings):
    settings.COMPTOIR_INVOICE_READ_SECONDS = 0
    quote = _deposit(company, "own/orderx_basic.pdf", firm_admin)
    bill = _deposit(company, "own/facturx_basicwl_negative.pdf", firm_admin)
    assert {quote.invoice_facts.status, bill.invoice_facts.status} == {"unreadable"}
    assert Delivery.objects.get(document=bill).status == DeliveryStatus.INCOMPLETE
    settings.COMPTOIR_INVOICE_READ_SECONDS = 2.0
    for facts_id in invoice_facts_too_slow_ids():
        facts = invoice_facts_reread(facts_id=facts_id)
        deliveries_reconsider(document=facts.document)
    assert invoice_facts_too_slow_ids() == []
    bill.refresh_from_db()
    assert bill.invoice_facts.status == "read" and bill.invoice_facts.number == "F-2027-NEG"
    assert Delivery.objects.get(document=bill).status == DeliveryStatus.PENDING
    assert Delivery.objects.get(document=quote).status == DeliveryStatus.SKIPPED


def test_send_anyway_from_the_send_history_page(client, upflow, company, firm_admin, client_user):
    from django.urls import reverse

    document = _deposit(company, "own/broken_facturx_embedded.pdf", firm_admin)
    delivery = Delivery.objects.get(document=document)
    client.force_login(firm_admin)
    page = client.get(reverse("delivery:history", args=["upflow"]))
    assert "envoyer quand même" in page.content.decode()
    client.force_login(client_user)
    assert client.post(reverse("delivery:send_anyway", args=[delivery.pk])).status_code == 404
    client.force_login(firm_admin)
    response = client.post(reverse("delivery:send_anyway", args=[delivery.pk]))
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
