"""The GED subscriber: a document entering a folder becomes due for each effectively-on destination.

Runs inside the deposit's (or move's, copy's) transaction, so the Delivery rows commit or roll back
with the document. At most one row per (lineage, destination): entering again, a copy coming back or
a second backfill finds the existing row and adds nothing. The partner class decides whether it takes
the document (`refusal_reason`); the outbox writes the row.
"""

from comptoir.ged.events import DocumentEntered
from comptoir.ged.models import Document
from comptoir.partners.catalogue.base import PartnerApp
from comptoir.partners.models import Delivery, Destination
from comptoir.partners.outbox import delivery_create_once
from comptoir.partners.selectors import destinations_on_for_folder


def deliveries_create(*, document: Document, targets: list[tuple[PartnerApp, Destination]],
                      trigger: str) -> list[Delivery]:
    return [delivery for app, destination in targets
            if (delivery := delivery_create_once(document=document, destination=destination, app_slug=app.slug,
                                                 refusal=app.refusal_reason(document), trigger=trigger))
            is not None]


def deliveries_create_for_entry(event: DocumentEntered) -> None:
    targets = destinations_on_for_folder(folder=event.folder)
    if targets:
        deliveries_create(document=event.document, targets=targets, trigger=event.kind)
