"""Receiving from the PA: official example invoices and CDAR, through the fake PA over HTTP on loopback."""

from datetime import date

import pytest

from comptoir.einvoicing.models import EinvoiceStatus, Flow, SyncCursor
from comptoir.einvoicing.sync import connection_sync
from comptoir.ged.models import Document
from comptoir.invoices.models import InvoiceFacts
from tests.einvoicing.conftest import BUYER_ID, CDV_207, CDV_212, UC1_CII, UC4_CII, folder

pytestmark = [pytest.mark.django_db, pytest.mark.embedded_only]


def test_a_supplier_invoice_lands_once_in_achats_in_its_month_with_its_facts(fake_pa, buyer_pa, buyer):
    flow = fake_pa.inject(BUYER_ID, flow_type="SupplierInvoice", content=UC1_CII.read_bytes(), name=UC1_CII.name)
    result = connection_sync(connection=buyer_pa)
    assert result.invoices == 1
    [document] = Document.objects.filter(company=buyer)
    assert document.folder == folder(buyer, "achats", date(2025, 7, 1))
    assert document.channel == "pa" and document.depositor_id is None
    assert document.source["depositor"] == "Plateforme agréée"
    facts = InvoiceFacts.objects.get(document=document)
    assert (facts.number, facts.seller_siren, facts.buyer_siren, str(facts.total_incl_tax)) == (
        "F202500003", "100000009", "200000008", "12000.00")
    # The same flow returned by a second search (touched at the PA, so past the cursor): still one document.
    fake_pa.touch(flow["flowId"])
    SyncCursor.objects.filter(connection=buyer_pa).update(updated_after=None)
    connection_sync(connection=buyer_pa)
    assert Document.objects.filter(company=buyer).count() == 1
    assert Flow.objects.filter(connection=buyer_pa, flow_id=flow["flowId"]).count() == 1


def test_the_flow_id_is_a_unique_key_not_a_check(fake_pa, buyer_pa, buyer):
    from django.db import IntegrityError, transaction

    Flow.objects.create(connection=buyer_pa, company=buyer, flow_id="f-1", direction="In")
    with pytest.raises(IntegrityError), transaction.atomic():
        Flow.objects.create(connection=buyer_pa, company=buyer, flow_id="f-1", direction="In")


def test_a_status_before_its_invoice_is_kept_then_attached_and_a_dispute_shows_its_reason(fake_pa, buyer_pa, buyer):
    fake_pa.inject(BUYER_ID, flow_type="SupplierInvoiceLC", content=CDV_207.read_bytes(), name=CDV_207.name,
                   syntax="CDAR")
    connection_sync(connection=buyer_pa)
    [waiting] = EinvoiceStatus.objects.filter(company=buyer)
    assert waiting.document_id is None and waiting.code == "207"
    assert (waiting.reason_code, waiting.reason) == ("TX_TVA_ERR", "Taux de TVA erroné")
    fake_pa.inject(BUYER_ID, flow_type="SupplierInvoice", content=UC4_CII.read_bytes(), name=UC4_CII.name)
    connection_sync(connection=buyer_pa)
    document = Document.objects.get(company=buyer)
    waiting.refresh_from_db()
    assert waiting.document_id == document.pk


def test_ties_on_updated_at_are_not_lost_across_pages(fake_pa, buyer_pa, buyer):
    # 150 statuses: two pages of the search, the cursor moving on the PA's updatedAt.
    content = CDV_212.read_bytes()
    for n in range(150):
        fake_pa.inject(BUYER_ID, flow_type="CustomerInvoiceLC", content=content.replace(b"F202500003",
                       f"F9{n:08d}".encode()), name=f"cdv-{n}.xml", syntax="CDAR")
    result = connection_sync(connection=buyer_pa)
    assert result.statuses == 150 and result.searches == 2
    assert EinvoiceStatus.objects.filter(company=buyer).count() == 150
    again = connection_sync(connection=buyer_pa)  # the overlap sees them again: nothing twice
    assert again.statuses == 0 and EinvoiceStatus.objects.filter(company=buyer).count() == 150


def test_a_client_cannot_move_or_trash_a_received_invoice_but_the_firm_can(fake_pa, buyer_pa, buyer, firm, firm_admin):
    from comptoir.ged.policy import ged_policy
    from tests.factories import UserFactory, membership_for

    fake_pa.inject(BUYER_ID, flow_type="SupplierInvoice", content=UC1_CII.read_bytes(), name=UC1_CII.name)
    connection_sync(connection=buyer_pa)
    document = Document.objects.get(company=buyer)
    admin = membership_for(UserFactory(email="ca@acheteur.fr"), firm=firm, role="client_admin", company=buyer).user
    assert not ged_policy.can(admin, "document.move", document)
    assert not ged_policy.can(admin, "document.trash", document)
    assert ged_policy.can(firm_admin, "document.move", document)
