"""The reader seam, copies, backfill, the connection option, the time budget and the search text."""

import pytest
from django.urls import reverse

from comptoir.ged.events import document_entered_subscribed
from comptoir.ged.models import Document
from comptoir.ged.readers import document_reader_register, document_reader_unregister
from comptoir.ged.services import document_copy
from comptoir.invoices.models import InvoiceFacts
from comptoir.invoices.selectors import invoice_search_text
from comptoir.partners.models import Delivery, DeliveryStatus
from comptoir.partners.services import connection_set, deliveries_backfill, folder_switch_set, installation_create
from tests.conftest import login
from tests.factories import folder_named
from tests.invoices import corpus
from tests.invoices.conftest import deposit


def test_a_failing_reader_never_harms_the_deposit(company):
    def broken(stored):
        raise RuntimeError("boom")

    document_reader_register(broken)
    try:
        document = deposit(folder_named(company, "Ventes"), corpus.facturx_pdf())
    finally:
        document_reader_unregister(broken)
    assert document.pk and document.invoice_facts.number == "F-2027-001"


def test_facts_are_in_the_deposit_transaction_so_a_failed_deposit_leaves_none(company):
    def failing(event):
        raise RuntimeError("subscriber failed")

    with document_entered_subscribed(failing), pytest.raises(RuntimeError):
        deposit(folder_named(company, "Ventes"), corpus.facturx_pdf())
    assert InvoiceFacts.objects.count() == 0 and Document.objects.count() == 0
    deposit(folder_named(company, "Ventes"), corpus.facturx_pdf())
    assert InvoiceFacts.objects.filter(company=company).count() == 1


def test_a_copy_has_the_facts_and_is_not_a_duplicate_of_its_original(company, firm_admin):
    original = deposit(folder_named(company, "Ventes"), corpus.facturx_pdf(corpus.Invoice(seller_siren=company.siren)))
    copy = document_copy(document=original, folder=folder_named(company, "Banque"), actor=firm_admin)
    assert copy.invoice_facts.number == "F-2027-001"
    assert copy.invoice_facts.duplicate_of_id is None
    assert [w["code"] for w in copy.invoice_facts.warnings] == []


def test_backfill_skips_the_quote_with_the_reason(company, firm_admin):
    sales = folder_named(company, "Ventes")
    bill = deposit(sales, corpus.facturx_pdf(corpus.Invoice(seller_siren=company.siren)))
    quote = deposit(sales, corpus.facturx_pdf(corpus.Invoice(seller_siren=company.siren, number="D-1",
                                                             type_code="310")))
    installation = installation_create(firm=company.firm, slug="upflow", actor=firm_admin)
    connection = connection_set(installation=installation, company=company,
                                destinations={"collection": "f@upflow.example"}, actor=firm_admin)
    folder_switch_set(folder=sales, connection=connection, state="on", actor=firm_admin)
    deliveries_backfill(folder=sales, connection=connection, actor=firm_admin)
    assert Delivery.objects.get(document=bill).status == DeliveryStatus.PENDING
    skipped = Delivery.objects.get(document=quote)
    assert skipped.status == DeliveryStatus.SKIPPED and "n'est pas une facture à payer" in skipped.reason


def test_connection_form_sets_only_recognised_invoices(company, firm_admin):
    client = login(firm_admin)
    client.post(reverse("partners:install", args=["upflow"]))
    url = reverse("partners:connections", args=["upflow"])
    assert "uniquement les factures reconnues" in client.get(url).content.decode()
    response = client.post(url, {f"authorise-{company.pk}": "1", f"dest-{company.pk}-collection": "f@upflow.example",
                                 f"only-invoices-{company.pk}": "1"})
    assert response.status_code == 302
    assert company.partner_connections.get(revoked_at__isnull=True).only_recognised_invoices is True
    client.post(url, {f"authorise-{company.pk}": "1", f"dest-{company.pk}-collection": "f@upflow.example"})
    assert company.partner_connections.get(revoked_at__isnull=True).only_recognised_invoices is False


def test_an_app_without_invoice_kinds_ignores_the_option(company, firm_admin):
    installation = installation_create(firm=company.firm, slug="inqom", actor=firm_admin)
    connection = connection_set(installation=installation, company=company, actor=firm_admin,
                                destinations={"achats": "achat.x@inqombox.com", "ventes": "vente.x@inqombox.com"},
                                only_recognised_invoices=True)
    assert connection.only_recognised_invoices is False


def test_time_budget_gives_not_readable(company, settings):
    settings.COMPTOIR_INVOICE_READ_SECONDS = 0
    document = deposit(folder_named(company, "Ventes"), corpus.facturx_pdf())
    assert document.invoice_facts.status == "unreadable"
    assert document.invoice_facts.warnings[0]["code"] == "too_slow"


def test_search_text_has_number_customer_and_amount(company):
    document = deposit(folder_named(company, "Ventes"), corpus.facturx_pdf())
    text = invoice_search_text(document.invoice_facts)
    assert "F-2027-001" in text and "Client Exemple SA" in text and "1200.00" in text
    assert invoice_search_text(None) == ""
