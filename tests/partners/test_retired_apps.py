"""NoteFacile, Pièce Express and Coffre Facture left the store: pending sends cancelled, history readable."""

import importlib
import uuid

from django.apps import apps
from django.urls import reverse

from comptoir.partners.models import Connection, Delivery, DeliveryStatus, Destination, Installation
from tests.factories import deposit_pdf, folder_named

retired_migration = importlib.import_module("comptoir.partners.migrations.0006_retired_apps_cancelled")


def _delivery(company, installation, status: str) -> Delivery:
    connection, _ = Connection.objects.get_or_create(installation=installation, company=company)
    destination, _ = Destination.objects.get_or_create(connection=connection, key="achats",
                                                       defaults={"address": "achats@pe.example"})
    document = deposit_pdf(folder_named(company, "Achats"), name=f"{status}.pdf")
    return Delivery.objects.create(document=document, lineage=uuid.uuid4(), destination=destination, company=company,
                                   firm=company.firm, app_slug="piece-express", trigger="deposit", status=status,
                                   sent_at=None)


def test_the_migration_cancels_what_was_pending_with_a_reason_and_the_history_stays_readable(
        firm, company, admin_client):
    installation = Installation.objects.create(firm=firm, app_slug="piece-express")
    pending = _delivery(company, installation, DeliveryStatus.PENDING)
    sent = _delivery(company, installation, DeliveryStatus.SENT)
    retired_migration.retire(apps, None)
    pending.refresh_from_db()
    sent.refresh_from_db()
    assert pending.status == DeliveryStatus.CANCELLED and "Pièce Express retirée du catalogue" in pending.reason
    assert sent.status == DeliveryStatus.SENT
    assert Connection.objects.get().revoked_at is not None and Installation.objects.get().removed_at is not None

    page = admin_client.get(reverse("delivery:history", args=["piece-express"]))
    assert page.status_code == 200 and "Pièce Express" in page.content.decode()
    assert admin_client.get(reverse("delivery:history", args=["jamais-connue"])).status_code == 404
    store = admin_client.get(reverse("partners:store")).content.decode()
    assert "Pièce Express" not in store and "NoteFacile" not in store and "Coffre Facture" not in store
    assert "Inqom" in store
