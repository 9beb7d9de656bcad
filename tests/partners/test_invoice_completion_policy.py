"""Completing an invoice « à compléter » is a policy action (issue 22, findings 1 and 8).

Typing in an invoice's data releases its API sends, so it belongs to firm staff, and to the company's
administrators only where the firm allows it (`Company.clients_may_answer`, the company's one
e-invoicing flag); a client member never. It releases the deliveries of that document only, not those
of its copies. The typed-in facts say `source: manual`, and the document's API detail reads them.
"""

import pytest

from comptoir.firms.models import Company
from comptoir.ged.services import document_copy, folder_create
from comptoir.invoices.models import InvoiceFacts
from comptoir.partners.models import Delivery, DeliveryStatus
from tests.conftest import login
from tests.delivery.conftest import drain, ventes
from tests.factories import UserFactory, deposit_pdf, membership_for
from tests.invoices import corpus
from tests.invoices.conftest import deposit

pytestmark = pytest.mark.django_db

FACTS = {"number": "F-FORGED", "customer_name": "Client Forgé", "amount": "999.00"}


def invoice_url(document) -> str:
    return f"/documents/{document.pk}/invoice"


def settings_url(company) -> str:
    return f"/companies/{company.pk}/einvoice/settings"


@pytest.fixture
def client_member(company):
    return membership_for(UserFactory(email="membre@boulangerie.fr"), firm=company.firm, role="client_member",
                          company=company).user


def waiting_scan(company, firm_admin):
    """A scan the firm deposited in Ventes (on for Upflow by API): its delivery waits « à compléter »."""
    document = deposit_pdf(ventes(company), actor=firm_admin, name="scan.pdf")
    assert Delivery.objects.get(document=document).status == DeliveryStatus.INCOMPLETE
    return document


def test_a_client_member_cannot_complete_invoice_data_nor_release_the_send(fake, upflow_api, company, firm_admin,
                                                                           client_member, api_as):
    document = waiting_scan(company, firm_admin)
    forged = api_as(client_member).send("PUT", invoice_url(document), FACTS)
    assert forged.status_code == 403 and forged.json()["error"] == "forbidden"
    assert Delivery.objects.get(document=document).status == DeliveryStatus.INCOMPLETE
    assert not InvoiceFacts.objects.filter(document=document, number=FACTS["number"]).exists()
    assert drain() == 0 and fake.entities("invoices") == []

    browser = login(client_member)
    panel = browser.get(f"/applications/documents/{document.pk}/encaissement/").content.decode()
    assert "À compléter" in panel and 'name="number"' not in panel, "no form offered to a role that may not"
    posted = browser.post(f"/applications/documents/{document.pk}/encaissement/", FACTS)
    assert posted.status_code == 403 and "compléter" in posted.content.decode()
    assert Delivery.objects.get(document=document).status == DeliveryStatus.INCOMPLETE


def test_a_client_admin_completes_only_where_the_firm_allows_it(fake, upflow_api, company, firm_admin, firm_member,
                                                                client_user, api_as):
    document = waiting_scan(company, firm_admin)
    admin = api_as(client_user)
    assert admin.send("PUT", invoice_url(document), FACTS).status_code == 403, "off by default"
    assert Delivery.objects.get(document=document).status == DeliveryStatus.INCOMPLETE

    assert admin.send("PUT", settings_url(company), {"clients_may_answer": True}).status_code == 403, \
        "a client admin cannot allow themselves"
    staff = api_as(firm_member)
    assert staff.get(settings_url(company)).json() == {"company_id": company.pk, "clients_may_answer": False}
    turned = staff.send("PUT", settings_url(company), {"clients_may_answer": True})
    assert turned.status_code == 200 and turned.json() == {"company_id": company.pk, "clients_may_answer": True}

    done = admin.send("PUT", invoice_url(document), {**FACTS, "number": "F-2027-001"})
    assert done.status_code == 200 and done.json()["released_deliveries"] == 1
    assert drain() == 1 and [e["customId"] for e in fake.entities("invoices")] == ["F-2027-001"]


def test_the_setting_is_the_firms_and_another_tenant_gets_404(company, firm_admin, client_user, other_firm_admin,
                                                               other_client_user, api_as):
    for outsider in (other_firm_admin, other_client_user):
        other = api_as(outsider)
        assert other.get(settings_url(company)).status_code == 404
        assert other.send("PUT", settings_url(company), {"clients_may_answer": True}).status_code == 404
    refused = api_as(firm_admin).send("PUT", settings_url(company), {"clients_may_answer": "oui"})
    assert refused.status_code in {400, 422}
    assert Company.objects.get(pk=company.pk).clients_may_answer is False

    page = login(firm_admin)
    edit = page.get(f"/entreprises/{company.pk}/modifier/").content.decode()
    assert 'name="clients_may_answer"' in edit and "complètent les données de facture" in edit
    assert page.post(f"/entreprises/{company.pk}/facturation-electronique/",
                     {"clients_may_answer": "on"}).status_code == 302
    assert Company.objects.get(pk=company.pk).clients_may_answer is True
    assert login(client_user).post(f"/entreprises/{company.pk}/facturation-electronique/", {}).status_code == 403
    assert login(other_firm_admin).post(f"/entreprises/{company.pk}/facturation-electronique/",
                                        {}).status_code == 404
    assert Company.objects.get(pk=company.pk).clients_may_answer is True


def test_another_tenant_completing_an_invoice_gets_404(fake, upflow_api, company, firm_admin, other_firm_admin,
                                                       api_as):
    document = waiting_scan(company, firm_admin)
    assert api_as(other_firm_admin).send("PUT", invoice_url(document), FACTS).status_code == 404
    assert Delivery.objects.get(document=document).status == DeliveryStatus.INCOMPLETE


def test_completing_a_copy_releases_only_the_copys_own_deliveries(fake, upflow_api, company, firm_admin, api_as):
    original = waiting_scan(company, firm_admin)
    elsewhere = folder_create(company=company, parent=None, name="Classement", actor=firm_admin)
    copy = document_copy(document=original, folder=elsewhere, actor=firm_admin)
    assert copy.lineage == original.lineage and not Delivery.objects.filter(document=copy).exists()

    done = api_as(firm_admin).send("PUT", invoice_url(copy), FACTS)
    assert done.status_code == 200 and done.json()["released_deliveries"] == 0
    assert Delivery.objects.get(document=original).status == DeliveryStatus.INCOMPLETE, \
        "the original's send is not released by a copy's data"


def test_after_completion_the_document_detail_reads_manual_facts(fake, upflow_api, company, firm_admin, api_as):
    document = waiting_scan(company, firm_admin)
    staff = api_as(firm_admin)
    assert staff.send("PUT", invoice_url(document), FACTS).status_code == 200
    detail = staff.get(f"/documents/{document.pk}")
    assert detail.status_code == 200, detail.content[:300]
    invoice = detail.json()["invoice"]
    assert invoice["source"] == "manual" and invoice["number"] == "F-FORGED"

    corrected = staff.send("PUT", invoice_url(document), {**FACTS, "number": "F-CORRIGE"})
    assert corrected.status_code == 200, "what a person typed may be typed again"
    assert staff.get(f"/documents/{document.pk}").json()["invoice"]["number"] == "F-CORRIGE"


def test_the_data_of_an_e_invoice_cannot_be_overwritten(fake, upflow_api, company, firm_admin, api_as):
    bill = corpus.Invoice(number="FX-1", seller_siren=company.siren, seller_vat="")
    document = deposit(ventes(company), corpus.facturx_pdf(bill), name="fx.pdf", actor=firm_admin)
    refused = api_as(firm_admin).send("PUT", invoice_url(document), FACTS)
    assert refused.status_code == 409
    assert InvoiceFacts.objects.get(document=document).number == "FX-1"
