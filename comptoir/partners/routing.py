"""The GED subscriber: a document entering a folder becomes due for each effectively-on destination.

Runs inside the deposit's (or move's, copy's) transaction, so the Delivery rows commit or roll back
with the document. At most one row per (lineage, destination): entering again, a copy coming back or
a second backfill finds the existing row and adds nothing.
"""

from django.db import IntegrityError, transaction

from comptoir.ged.events import DocumentEntered
from comptoir.ged.models import Document
from comptoir.partners.catalogue.base import PartnerApp
from comptoir.partners.models import Delivery, DeliveryStatus, Destination
from comptoir.partners.selectors import destinations_on_for_folder
from comptoir.partners.wakeups import deliveries_wake


def delivery_create_once(*, document: Document, app: PartnerApp, destination: Destination,
                         trigger: str) -> Delivery | None:
    """The new Delivery, or None when this paper already has one for this destination."""
    refusal = app.refusal_reason(document, connection=destination.connection)
    defaults = {
        "document": document,
        "company_id": document.company_id,
        "firm_id": destination.connection.installation.firm_id,
        "app_slug": app.slug,
        "trigger": trigger,
        "status": DeliveryStatus.SKIPPED if refusal else DeliveryStatus.PENDING,
        "reason": refusal,
    }
    try:
        # A savepoint, so that a concurrent insert losing the unique race leaves the deposit intact.
        with transaction.atomic():
            delivery, created = Delivery.objects.get_or_create(lineage=document.lineage, destination=destination,
                                                               defaults=defaults)
    except IntegrityError:
        return None
    return delivery if created else None


def deliveries_create(*, document: Document, targets: list[tuple[PartnerApp, Destination]],
                      trigger: str) -> list[Delivery]:
    created = [delivery for app, destination in targets
               if (delivery := delivery_create_once(document=document, app=app, destination=destination,
                                                    trigger=trigger)) is not None]
    deliveries_wake(d.pk for d in created if d.status == DeliveryStatus.PENDING)
    return created


def deliveries_create_for_entry(event: DocumentEntered) -> None:
    targets = destinations_on_for_folder(folder=event.folder)
    if targets:
        deliveries_create(document=event.document, targets=targets, trigger=event.kind)
