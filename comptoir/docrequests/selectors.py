"""Reads of document requests, scoped to what the user may see; anything else is a 404."""

import zoneinfo
from datetime import date, datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from comptoir.accounts.models import User
from comptoir.docrequests.models import (
    DocumentRequest,
    FirmRequestSettings,
    RequestAnswer,
    RequestStatus,
    RequestTemplate,
)
from comptoir.firms.models import Company, Firm
from comptoir.firms.policy import is_firm_staff
from comptoir.firms.selectors import company_list_for_user, firm_for_user
from comptoir.ged.models import Folder
from comptoir.intake.selectors import mailbox_folder_resolve

DEFAULT_TIME_ZONE = "Europe/Paris"


def firm_time_zone(firm_id: int) -> str:
    row = FirmRequestSettings.objects.filter(firm_id=firm_id).values_list("time_zone", flat=True).first()
    return row or DEFAULT_TIME_ZONE


def firm_today(*, firm_id: int, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(firm_time_zone(firm_id))).date()


def default_folder_for(*, company: Company, on: date, role: str = "a-classer") -> Folder | None:
    """The folder of `role` in the fiscal year that contains `on` (its month subfolder when it has some)."""
    return mailbox_folder_resolve(company=company, box=role, on=on)


def _with_details(requests: QuerySet[DocumentRequest]) -> QuerySet[DocumentRequest]:
    return requests.select_related("company", "folder").prefetch_related(
        "items", "addressees", Prefetch("answers", queryset=RequestAnswer.objects.select_related("document", "item")))


def docrequest_list_for_user(*, user: User, company: Company | None = None,
                             status: str = "") -> QuerySet[DocumentRequest]:
    """Requests of the companies the user sees; `status` is open, overdue, provided or closed."""
    requests = DocumentRequest.objects.filter(company__in=company_list_for_user(user=user))
    if company is not None:
        requests = requests.filter(company=company)
    if status == "overdue":
        firm = firm_for_user(user=user)
        today = firm_today(firm_id=firm.pk) if firm else timezone.localdate()
        requests = requests.filter(status=RequestStatus.OPEN, due_date__lt=today)
    elif status:
        requests = requests.filter(status=status)
    return _with_details(requests)


def docrequest_to_provide_for_user(*, user: User) -> QuerySet[DocumentRequest]:
    """« À fournir »: the open requests of a client user's company (none for the firm's staff)."""
    if is_firm_staff(user):
        return DocumentRequest.objects.none()
    return docrequest_list_for_user(user=user, status=RequestStatus.OPEN)


def docrequest_get_for_user(*, user: User, request_id: int) -> DocumentRequest:
    request = docrequest_list_for_user(user=user).filter(pk=request_id).first()
    if request is None:
        raise Http404("request not found")
    return request


def docrequest_counts_for_user(*, user: User, company: Company | None = None) -> dict[str, int]:
    """Counts for the board and the dashboard: open, overdue, provided, closed."""
    requests = DocumentRequest.objects.filter(company__in=company_list_for_user(user=user))
    if company is not None:
        requests = requests.filter(company=company)
    firm = firm_for_user(user=user)
    today = firm_today(firm_id=firm.pk) if firm else timezone.localdate()
    return requests.aggregate(
        open=Count("id", filter=Q(status=RequestStatus.OPEN)),
        overdue=Count("id", filter=Q(status=RequestStatus.OPEN, due_date__lt=today)),
        provided=Count("id", filter=Q(status=RequestStatus.PROVIDED)),
        closed=Count("id", filter=Q(status=RequestStatus.CLOSED)))


def template_list_for_user(*, user: User) -> QuerySet[RequestTemplate]:
    firm = firm_for_user(user=user)
    if firm is None or not is_firm_staff(user):
        return RequestTemplate.objects.none()
    return RequestTemplate.objects.filter(firm=firm).prefetch_related("companies")


def firms_with_time_zones() -> list[tuple[str, str]]:
    """The scheduler's scopes: one per firm, in its time zone."""
    zones = dict(FirmRequestSettings.objects.values_list("firm_id", "time_zone"))
    return [(f"firm:{pk}", zones.get(pk, DEFAULT_TIME_ZONE)) for pk in Firm.objects.values_list("pk", flat=True)]
