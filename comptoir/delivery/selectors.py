"""Reads of the send history, scoped to the firm staff who may see them (404 otherwise)."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone

from comptoir.accounts.models import User
from comptoir.delivery.access import delivery_access
from comptoir.delivery.models import DeliveryAttempt
from comptoir.firms.selectors import company_list_for_user
from comptoir.ged.models import Document
from comptoir.partners.models import Delivery, DeliveryStatus

# Still moving: the badge keeps polling while any delivery of the document is in one of these.
IN_FLIGHT = {DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.RETRYING}


@dataclass(frozen=True)
class DeliveryFilters:
    app_slug: str | None = None
    company_id: int | None = None
    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def delivery_list_for_user(*, user: User, filters: DeliveryFilters | None = None) -> QuerySet[Delivery]:
    """The firm's deliveries for the companies this staff member sees; nothing for client users."""
    if not delivery_access.can(user, "history.view"):
        return Delivery.objects.none()
    filters = filters or DeliveryFilters()
    deliveries = Delivery.objects.filter(company__in=company_list_for_user(user=user)).select_related(
        "document", "company", "destination")
    if filters.app_slug:
        deliveries = deliveries.filter(app_slug=filters.app_slug)
    if filters.company_id:
        deliveries = deliveries.filter(company_id=filters.company_id)
    if filters.status:
        deliveries = deliveries.filter(status=filters.status)
    if filters.date_from:
        deliveries = deliveries.filter(created_at__date__gte=filters.date_from)
    if filters.date_to:
        deliveries = deliveries.filter(created_at__date__lte=filters.date_to)
    return deliveries


def delivery_history_for_user(*, user: User, filters: DeliveryFilters | None = None) -> QuerySet[Delivery]:
    """The send history's rows: each with its attempts, how many were made and the last address used.

    `attempts_made` counts the attempt rows, not `Delivery.attempts` (the retry budget that
    "réessayer" resets); `last_address` is where the last attempt went, which the connection's
    current address no longer says once someone corrected it.
    """
    last_attempt = DeliveryAttempt.objects.filter(delivery=OuterRef("pk")).order_by("-started_at", "-id")
    return (
        delivery_list_for_user(user=user, filters=filters)
        .annotate(attempts_made=Count("send_attempts"), last_address=Subquery(last_attempt.values("address")[:1]))
        .prefetch_related("send_attempts")
        .order_by("-created_at", "-id")  # Meta.ordering is not applied to an aggregated query
    )


def delivery_get_for_user(*, user: User, delivery_id: int) -> Delivery:
    delivery = delivery_list_for_user(user=user).filter(pk=delivery_id).first()
    if delivery is None:
        raise Http404("delivery not found")
    return delivery


@dataclass(frozen=True)
class DayCounts:
    day: date
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def delivery_daily_counts(*, deliveries: QuerySet[Delivery], days: int = 14) -> list[DayCounts]:
    """Deliveries created per day by status over the last `days` days (one query), oldest first."""
    today = timezone.localdate()
    start = today - timedelta(days=days - 1)
    rows = (
        deliveries.filter(created_at__date__gte=start).order_by()
        .annotate(day=TruncDate("created_at")).values("day", "status").annotate(n=Count("id"))
    )
    by_day: dict[date, dict[str, int]] = {start + timedelta(days=i): {} for i in range(days)}
    for row in rows:
        if row["day"] in by_day:
            by_day[row["day"]][row["status"]] = row["n"]
    return [DayCounts(day=day, counts=counts) for day, counts in by_day.items()]


def deliveries_stamp_for_documents(document_ids: list[int]) -> str:
    """Changes when a delivery of one of these documents appears or changes state: the GED's folder
    list polls with it (registered in DeliveryConfig.ready), so badges follow a backfill in place."""
    from django.db.models import Max

    facts = Delivery.objects.filter(document_id__in=document_ids).aggregate(count=Count("pk"), last=Max("updated_at"))
    return f"{facts['count']}:{facts['last']}"


def deliveries_sent_sentence(documents: QuerySet[Document]) -> str:
    """For the folder-trash confirmation: how many of the documents went to partners already."""
    from django.utils.translation import ngettext

    sent = documents.filter(pk__in=Delivery.objects.filter(status=DeliveryStatus.SENT).values("document_id")).count()
    if not sent:
        return ""
    return ngettext("dont %(count)d envoyé à un partenaire", "dont %(count)d envoyés à des partenaires",
                    sent) % {"count": sent}
