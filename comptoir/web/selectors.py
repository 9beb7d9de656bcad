"""Reads for the dashboard ("what happened since my last visit"), scoped through the firms selectors."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from comptoir.accounts.models import User
from comptoir.einvoicing.selectors import received_to_answer, sent_rejected
from comptoir.firms.models import CLIENT_ROLES, FIRM_ROLES, Company
from comptoir.firms.selectors import company_list_for_user, membership_for
from comptoir.ged.models import Document, Folder
from comptoir.partners.catalogue.registry import app_find
from comptoir.partners.models import Delivery, DeliveryStatus
from comptoir.web.models import FolderSeenMark, SeenMark

# A skipped delivery needs a person once; it stays under "à traiter" this long.
SKIPPED_SHOWN_FOR = timedelta(days=14)
DUPLICATES_WINDOW = timedelta(days=14)
ATTENTION_LIMIT = 50
WAITING = [DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.RETRYING]
BROKEN = [DeliveryStatus.FAILED, DeliveryStatus.DEAD]


@dataclass
class NewDeposits:
    company: Company
    count: int
    last_at: datetime
    folders: list[tuple[Folder, int]] = field(default_factory=list)


@dataclass
class CompanyHealth:
    company: Company
    last_deposit_at: datetime | None
    waiting: int
    broken: int
    unseen: int


@dataclass
class Duplicate:
    company: Company
    documents: list[Document]


@dataclass
class Dashboard:
    previous_visit: datetime | None
    new_deposits: list[NewDeposits]
    attention: list[Delivery]
    duplicates: list[Duplicate]
    health: list[CompanyHealth]
    # E-invoices through a plateforme agréée: received and not answered; sent and came back 213 or 210.
    einvoices_to_answer: list[Document] = field(default_factory=list)
    einvoices_rejected: list[Document] = field(default_factory=list)


def _unseen_client_deposits(*, user: User, companies) -> QuerySet[Document]:
    """Documents deposited by client users after this user last opened the company's documents."""
    membership = membership_for(user)
    since_joined = membership.created_at if membership else timezone.now()
    seen = SeenMark.objects.filter(user=user, company=OuterRef("company_id")).values("seen_at")[:1]
    return (Document.objects.filter(company__in=companies, deleted_at__isnull=True,
                                    depositor__membership__role__in=CLIENT_ROLES)
            .annotate(seen_at=Coalesce(Subquery(seen), Value(since_joined)))
            .filter(deposited_at__gt=F("seen_at")))


def folders_with_unseen_deposits(*, user: User, company: Company) -> set[int]:
    """The folders of `company` holding client deposits made after `user` last opened that folder (or,
    never opened, after they joined), for the GED tree's dots; firm staff only. One query for the tree."""
    membership = membership_for(user)
    if membership is None or membership.role not in FIRM_ROLES:
        return set()
    seen = FolderSeenMark.objects.filter(user=user, folder=OuterRef("folder_id")).values("seen_at")[:1]
    rows = (Document.objects.filter(company=company, deleted_at__isnull=True, deposited_at__gt=membership.created_at,
                                    depositor__membership__role__in=CLIENT_ROLES)
            .annotate(seen_at=Coalesce(Subquery(seen), Value(membership.created_at)))
            .filter(deposited_at__gt=F("seen_at")).values_list("folder_id", flat=True).distinct().order_by())
    return set(rows)


def unseen_counts_by_company(*, user: User, companies) -> dict[int, int]:
    rows = (_unseen_client_deposits(user=user, companies=companies)
            .values("company_id").annotate(count=Count("id")).order_by())
    return {row["company_id"]: row["count"] for row in rows}


def _new_deposits(*, user: User, companies: dict[int, Company]) -> list[NewDeposits]:
    rows = (_unseen_client_deposits(user=user, companies=list(companies))
            .values("company_id", "folder_id").annotate(count=Count("id"), last_at=Max("deposited_at")).order_by())
    folders = Folder.objects.in_bulk({row["folder_id"] for row in rows})
    by_company: dict[int, NewDeposits] = {}
    for row in rows:
        entry = by_company.setdefault(row["company_id"], NewDeposits(company=companies[row["company_id"]], count=0,
                                                                     last_at=row["last_at"]))
        entry.count += row["count"]
        entry.last_at = max(entry.last_at, row["last_at"])
        entry.folders.append((folders[row["folder_id"]], row["count"]))
    for entry in by_company.values():
        entry.folders.sort(key=lambda pair: pair[0].path)
    return sorted(by_company.values(), key=lambda entry: entry.last_at, reverse=True)


def attention_list(*, companies, now: datetime | None = None) -> list[Delivery]:
    """Deliveries that need a person: failed or abandoned until retried, skipped ones for a while."""
    now = now or timezone.now()
    deliveries = list(
        Delivery.objects.filter(company__in=companies)
        .filter(Q(status__in=BROKEN) | Q(status=DeliveryStatus.SKIPPED, created_at__gte=now - SKIPPED_SHOWN_FOR))
        .select_related("document", "company", "destination").order_by("-updated_at", "-id")[:ATTENTION_LIMIT]
    )
    for delivery in deliveries:
        app = app_find(delivery.app_slug)
        delivery.app_name = app.name if app else delivery.app_slug
    return deliveries


def duplicates_recent(*, companies: dict[int, Company], now: datetime | None = None) -> list[Duplicate]:
    """The same bytes (sha256) deposited more than once in one company lately, whatever the names."""
    now = now or timezone.now()
    recent = Document.objects.filter(company__in=list(companies), deleted_at__isnull=True,
                                     deposited_at__gte=now - DUPLICATES_WINDOW)
    groups = recent.values("company_id", "sha256").annotate(count=Count("id")).filter(count__gt=1).order_by()
    found = []
    for group in groups[:20]:
        documents = list(recent.filter(company_id=group["company_id"], sha256=group["sha256"])
                         .select_related("folder").order_by("deposited_at"))
        found.append(Duplicate(company=companies[group["company_id"]], documents=documents))
    return found


def company_health(*, companies: dict[int, Company], unseen: dict[int, int]) -> list[CompanyHealth]:
    ids = list(companies)
    last = dict(Document.objects.filter(company_id__in=ids, deleted_at__isnull=True).values("company_id")
                .annotate(last=Max("deposited_at")).order_by().values_list("company_id", "last"))
    counts = (Delivery.objects.filter(company_id__in=ids, status__in=WAITING + BROKEN)
              .values("company_id", "status").annotate(count=Count("id")).order_by())
    waiting: dict[int, int] = {}
    broken: dict[int, int] = {}
    for row in counts:
        target = broken if row["status"] in BROKEN else waiting
        target[row["company_id"]] = target.get(row["company_id"], 0) + row["count"]
    return [CompanyHealth(company=company, last_deposit_at=last.get(pk), waiting=waiting.get(pk, 0),
                          broken=broken.get(pk, 0), unseen=unseen.get(pk, 0))
            for pk, company in companies.items()]


def dashboard_for_user(*, user: User) -> Dashboard:
    """The firm staff's day: what clients deposited, what failed or was skipped, duplicates, health."""
    companies = {company.pk: company for company in company_list_for_user(user=user).filter(archived_at__isnull=True)}
    previous = SeenMark.objects.filter(user=user, company__isnull=True).values_list("seen_at", flat=True).first()
    unseen = unseen_counts_by_company(user=user, companies=list(companies))
    return Dashboard(
        previous_visit=previous,
        new_deposits=_new_deposits(user=user, companies=companies),
        attention=attention_list(companies=list(companies)),
        duplicates=duplicates_recent(companies=companies),
        health=company_health(companies=companies, unseen=unseen),
        einvoices_to_answer=list(received_to_answer(documents=_documents_of(companies))[:20]),
        einvoices_rejected=list(sent_rejected(documents=_documents_of(companies))[:20]),
    )


def _documents_of(companies: dict) -> QuerySet[Document]:
    return Document.objects.filter(company_id__in=list(companies)).select_related("company")
