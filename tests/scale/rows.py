"""Outbox rows for ops tests, written directly: these tests watch the outbox, not how rows get there."""

from datetime import timedelta

from django.utils import timezone

from comptoir.partners.models import Connection, Delivery, Destination, Installation


def destination_for(company, *, app_slug: str = "upflow", address: str = "factures@upflow.example") -> Destination:
    installation, _ = Installation.objects.get_or_create(firm=company.firm, app_slug=app_slug,
                                                         removed_at__isnull=True)
    connection, _ = Connection.objects.get_or_create(installation=installation, company=company,
                                                     revoked_at__isnull=True)
    destination, _ = Destination.objects.get_or_create(connection=connection, key="collection",
                                                       defaults={"address": address})
    return destination


def delivery_make(document, destination: Destination, *, status: str = "pending", age: timedelta = timedelta(0),
                  sent_after: timedelta | None = None, next_attempt_in: timedelta | None = None) -> Delivery:
    delivery = Delivery.objects.create(
        document=document, lineage=document.lineage,
        destination=destination, company=document.company, firm=document.company.firm,
        app_slug=destination.connection.installation.app_slug, trigger="deposit", status=status,
    )
    created = timezone.now() - age
    fields = {"created_at": created}
    if sent_after is not None:
        fields["sent_at"] = created + sent_after
    if next_attempt_in is not None:
        fields["next_attempt_at"] = timezone.now() + next_attempt_in
    Delivery.objects.filter(pk=delivery.pk).update(**fields)
    delivery.refresh_from_db()
    return delivery
