"""The GED subscriber: a document entering a folder becomes due for each effectively-on destination.

Runs inside the deposit's (or move's, copy's) transaction, so the Delivery rows commit or roll back
with the document. At most one row per (lineage, destination): entering again, a copy coming back or
a second backfill finds the existing row and adds nothing. The partner class decides whether it takes
the document (`refusal_reason`); the outbox writes the row.

The same bytes as another paper of the company (sha256) that already went, or is going, to a destination
are not sent there again, whatever channel brought them: the row is « skipped » with the first one named,
and firm staff may send it anyway. A copy (same lineage) is the same paper, already covered by the unique row.
"""

import os

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.ged.events import DocumentEntered
from comptoir.ged.models import Document
from comptoir.invoices.services import invoice_facts_reread, invoice_facts_too_slow_ids
from comptoir.partners.catalogue.base import PartnerApp
from comptoir.partners.catalogue.registry import app_find
from comptoir.partners.models import Delivery, DeliveryStatus, Destination
from comptoir.partners.outbox import delivery_create_once, delivery_held_decide
from comptoir.partners.selectors import destinations_on_for_folder


def delivery_same_bytes_earlier(*, document: Document, destination: Destination) -> Delivery | None:
    """The delivery of another paper of the company with the same bytes to this destination, if one went or
    is going there (a skipped or cancelled one does not count: the partner does not have it)."""
    return (Delivery.objects.filter(destination=destination, company_id=document.company_id,
                                    document__sha256=document.sha256)
            .exclude(lineage=document.lineage)
            .exclude(status__in=(DeliveryStatus.SKIPPED, DeliveryStatus.CANCELLED))
            .select_related("document").order_by("created_at", "id").first())


def _same_bytes_reason(*, app: PartnerApp, earlier: Delivery) -> str:
    first = earlier.document
    return _("Déjà déposé le %(date)s (« %(name)s ») et envoyé à %(app)s : pas envoyé une seconde fois.") % {
        "date": f"{timezone.localtime(first.deposited_at):%d/%m/%Y}", "name": first.name, "app": app.name}


def deliveries_create(*, document: Document, targets: list[tuple[PartnerApp, Destination]],
                      trigger: str) -> list[Delivery]:
    created = []
    for app, destination in targets:
        refusal = app.refusal_reason(document, connection=destination.connection)
        duplicate_of = None
        if not refusal and (earlier := delivery_same_bytes_earlier(document=document, destination=destination)):
            refusal, duplicate_of = _same_bytes_reason(app=app, earlier=earlier), earlier.document
        incomplete = not refusal and app.needs_invoice_facts(document, connection=destination.connection)
        delivery = delivery_create_once(document=document, destination=destination, app_slug=app.slug,
                                        refusal=refusal, trigger=trigger, incomplete=incomplete,
                                        duplicate_of=duplicate_of)
        if delivery is not None:
            created.append(delivery)
    return created


def deliveries_create_for_entry(event: DocumentEntered) -> None:
    targets = destinations_on_for_folder(folder=event.folder)
    if targets:
        deliveries_create(document=event.document, targets=targets, trigger=event.kind)


def deliveries_reconsider(*, document: Document) -> int:
    """The document's facts changed (read again): decide its waiting deliveries as a deposit would now."""
    changed = 0
    with transaction.atomic():
        for delivery in (Delivery.objects.select_for_update().select_related("destination__connection")
                         .filter(lineage=document.lineage, status=DeliveryStatus.INCOMPLETE)):
            app = app_find(delivery.app_slug)
            if app is None:
                continue
            connection = delivery.destination.connection
            refusal = app.refusal_reason(document, connection=connection)
            if refusal:
                changed += delivery_held_decide(delivery=delivery, status=DeliveryStatus.SKIPPED, reason=refusal)
            elif not app.needs_invoice_facts(document, connection=connection):
                changed += delivery_held_decide(delivery=delivery, status=DeliveryStatus.PENDING,
                                                reason=delivery.reason)
    if changed:
        from comptoir.jobs.wakeups import work_wake

        work_wake()
    return changed


def invoices_too_slow_reread(scope: str = "") -> int:
    """The periodic job: read again what failed for time, while the machine is not saturated."""
    if os.getloadavg()[0] >= (os.cpu_count() or 1):
        return 0
    read = 0
    for facts_id in invoice_facts_too_slow_ids():
        facts = invoice_facts_reread(facts_id=facts_id)
        if facts is not None:
            deliveries_reconsider(document=facts.document)
            read += 1
    return read
