"""Where people see it: the badge and history on the document, the answer form, the dashboard, the folder filter."""

from datetime import date

import pytest
from django.urls import reverse

from comptoir.einvoicing.sync import connection_sync
from comptoir.ged.models import Document
from tests.conftest import login
from tests.einvoicing.conftest import BUYER_ID, CDV_207, UC1_CII, UC4_CII, folder
from tests.factories import UserFactory, membership_for

pytestmark = [pytest.mark.django_db, pytest.mark.embedded_only]


def test_the_document_shows_its_status_history_and_a_dispute_reason(fake_pa, buyer_pa, buyer, firm, firm_admin):
    fake_pa.inject(BUYER_ID, flow_type="SupplierInvoice", content=UC4_CII.read_bytes(), name=UC4_CII.name)
    fake_pa.inject(BUYER_ID, flow_type="SupplierInvoiceLC", content=CDV_207.read_bytes(), name=CDV_207.name,
                   syntax="CDAR")
    connection_sync(connection=buyer_pa)
    document = Document.objects.get(company=buyer)
    page = login(firm_admin).get(reverse("einvoicing:document_einvoice", args=[document.pk])).content.decode()
    assert 'data-einvoice-code="207"' in page and "En litige" in page
    assert "TX_TVA_ERR" in page and "Taux de TVA erroné" in page
    assert "Envoyer le statut" in page  # firm staff may answer
    member = membership_for(UserFactory(email="m@acheteur.fr"), firm=firm, role="client_member", company=buyer).user
    client_page = login(member).get(reverse("einvoicing:document_einvoice", args=[document.pk])).content.decode()
    assert "En litige" in client_page and "Envoyer le statut" not in client_page
    # The folder list filters by status.
    month = folder(buyer, "achats", date(2025, 7, 1))
    listed = login(firm_admin).get(reverse("ged:folder", args=[month.pk]) + "?statut_fe=207").content.decode()
    assert document.name in listed
    empty = login(firm_admin).get(reverse("ged:folder", args=[month.pk]) + "?statut_fe=212").content.decode()
    assert document.name not in empty


def test_a_refusal_with_a_reason_from_the_page_and_the_dashboard_list(fake_pa, buyer_pa, buyer, firm_admin):
    fake_pa.inject(BUYER_ID, flow_type="SupplierInvoice", content=UC1_CII.read_bytes(), name=UC1_CII.name)
    connection_sync(connection=buyer_pa)
    document = Document.objects.get(company=buyer)
    client = login(firm_admin)
    assert document.name in client.get(reverse("web:home")).content.decode().split("Factures reçues à traiter")[1]
    url = reverse("einvoicing:document_einvoice", args=[document.pk])
    missing = client.post(url, {"code": "210", "reason": ""}).content.decode()
    assert "demande un motif" in missing and fake_pa.flows(BUYER_ID, direction="Out") == []
    done = client.post(url, {"code": "210", "reason_code": "DOUBLON", "reason": "Déjà reçue"}).content.decode()
    assert "Statut envoyé" in done and 'data-einvoice-code="210"' in done and "Déjà reçue" in done
    assert len(fake_pa.flows(BUYER_ID, direction="Out")) == 1
    assert "Factures reçues à traiter" not in client.get(reverse("web:home")).content.decode()
