"""Reads of partner data. Getters taking a user scope to what they may see and raise 404 otherwise.

A folder's state for a connection is decided by the nearest explicit switch on the folder or an
ancestor: the ancestors come from the materialised path, so resolving is one query for the
switches of those ids, O(depth), never a walk of the subtree.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from comptoir.accounts.models import User
from comptoir.firms.models import Company, Firm
from comptoir.firms.policy import can_see_firm_only_folders
from comptoir.firms.selectors import company_get_for_user, firm_for_user
from comptoir.ged.models import Document, Folder
from comptoir.ged.selectors import folder_get_for_user
from comptoir.partners.catalogue.base import PartnerApp
from comptoir.partners.catalogue.registry import app_find, app_get, app_list
from comptoir.partners.models import (
    Connection,
    Delivery,
    DeliveryStatus,
    DemoRequest,
    Destination,
    FolderSwitch,
    Installation,
    SwitchState,
)
from comptoir.partners.policy import partners_policy

# --- access-scoped getters ------------------------------------------------------------------------


def firm_get_for_admin(*, user: User) -> Firm:
    """The firm whose store the user manages; 404 for anyone but its administrators."""
    firm = firm_for_user(user=user)
    if firm is None or not partners_policy.can(user, "store.manage"):
        raise Http404("not a firm admin")
    return firm


def folder_get_for_staff(*, user: User, folder_id: int) -> Folder:
    """Switches are the firm's business: client users get a 404, as for a folder they cannot see."""
    if not partners_policy.can(user, "switch.view"):
        raise Http404("not firm staff")
    return folder_get_for_user(user=user, folder_id=folder_id)


def installation_get_active(*, firm: Firm, slug: str) -> Installation | None:
    return Installation.objects.filter(firm=firm, app_slug=slug, removed_at__isnull=True).first()


def installation_get_for_admin(*, user: User, slug: str) -> Installation:
    firm = firm_get_for_admin(user=user)
    app_get(slug)
    installation = installation_get_active(firm=firm, slug=slug)
    if installation is None:
        raise Http404("app not installed")
    return installation


def company_get_for_admin(*, user: User, company_id: int) -> Company:
    firm = firm_get_for_admin(user=user)
    company = Company.objects.filter(firm=firm, pk=company_id).first()
    if company is None:
        raise Http404("company not found")
    return company


def connection_get_active(*, installation: Installation, company: Company) -> Connection | None:
    return (Connection.objects.filter(installation=installation, company=company, revoked_at__isnull=True)
            .prefetch_related("destinations").first())


def connection_get_for_admin(*, user: User, slug: str, company_id: int) -> Connection:
    """The app's active connection to a company of the admin's firm; 404 otherwise (not connected too)."""
    installation = installation_get_for_admin(user=user, slug=slug)
    company = company_get_for_admin(user=user, company_id=company_id)
    connection = connection_get_active(installation=installation, company=company)
    if connection is None:
        raise Http404("not connected")
    return connection


def connection_get_for_folder(*, folder: Folder, slug: str) -> Connection:
    """The active connection of an app for the folder's company; 404 when the app is not connected."""
    connection = (connections_active_for_company(company_id=folder.company_id).filter(installation__app_slug=slug)
                  .first())
    if connection is None:
        raise Http404("app not connected to this company")
    return connection


# --- store ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstalledApp:
    app: PartnerApp
    installation: Installation
    connected_companies: int


def store_for_firm(*, firm: Firm) -> tuple[list[InstalledApp], list[PartnerApp]]:
    """'Applications de mon espace' and 'Applications disponibles'."""
    installations = (Installation.objects.filter(firm=firm, removed_at__isnull=True)
                     .annotate(connected=Count("connections", filter=Q(connections__revoked_at__isnull=True))))
    installed = [InstalledApp(app=app, installation=inst, connected_companies=inst.connected)
                 for inst in installations if (app := app_find(inst.app_slug)) is not None]
    slugs = {item.app.slug for item in installed}
    return installed, [app for app in app_list() if app.slug not in slugs]


def connections_for_installation(*, installation: Installation) -> dict[int, Connection]:
    """Active connections by company id, with their destinations."""
    connections = (Connection.objects.filter(installation=installation, revoked_at__isnull=True)
                   .prefetch_related("destinations"))
    return {connection.company_id: connection for connection in connections}


def pending_count_for_installation(*, installation: Installation) -> int:
    return Delivery.objects.filter(destination__connection__installation=installation,
                                   status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING]).count()


def demo_request_list_for_firm(*, firm: Firm, slug: str) -> QuerySet[DemoRequest]:
    return DemoRequest.objects.filter(firm=firm, app_slug=slug).select_related("company", "requested_by")


# --- switches -------------------------------------------------------------------------------------


def connections_active_for_company(*, company_id: int) -> QuerySet[Connection]:
    return (Connection.objects.filter(company_id=company_id, revoked_at__isnull=True,
                                      installation__removed_at__isnull=True)
            .select_related("installation").prefetch_related("destinations").order_by("installation__app_slug"))


@dataclass
class SwitchStatus:
    connection: Connection
    app: PartnerApp
    # The row on this very folder, if any; `origin` is the nearest explicit row (this folder's or an ancestor's).
    explicit: FolderSwitch | None
    origin: FolderSwitch | None
    inherited_from: Folder | None = None

    @property
    def effective(self) -> bool:
        return self.origin is not None and self.origin.state == SwitchState.ON

    @property
    def explicit_state(self) -> str | None:
        return self.explicit.state if self.explicit else None

    @property
    def destination(self) -> Destination | None:
        """Where documents entering this folder go, when effectively on."""
        if not self.effective:
            return None
        return _destination_of(self.origin, self.connection, self.app)

    @property
    def destinations(self) -> list[Destination]:
        order = {spec.key: index for index, spec in enumerate(self.app.destinations)}
        return sorted(self.connection.destinations.all(), key=lambda d: order.get(d.key, len(order)))

    @property
    def destination_choices(self) -> list[tuple[Destination, str]]:
        return [(d, spec.label if (spec := self.app.destination_spec(d.key)) else d.key) for d in self.destinations]


def _destination_of(switch: FolderSwitch, connection: Connection, app: PartnerApp) -> Destination | None:
    """Among the destinations of the connection's current method: the switch's own, else the only one.
    (A switch set under another method keeps its choice for when the connection goes back to it.)"""
    method = app.method_get(connection.method) or app.methods[0]
    keys = {spec.key for spec in method.destinations(app)}
    destinations = {d.pk: d for d in connection.destinations.all() if d.key in keys}
    if switch.destination_id in destinations:
        return destinations[switch.destination_id]
    if switch.destination_id is not None and method.addresses_typed:
        return None
    return next(iter(destinations.values())) if len(destinations) == 1 else None


def _nearest(rows: list[FolderSwitch], ancestor_ids: list[int]) -> dict[int, FolderSwitch]:
    """For each connection, the switch on the deepest of the given ancestors."""
    rank = {folder_id: index for index, folder_id in enumerate(ancestor_ids)}
    nearest: dict[int, FolderSwitch] = {}
    for row in rows:
        current = nearest.get(row.connection_id)
        if current is None or rank[row.folder_id] > rank[current.folder_id]:
            nearest[row.connection_id] = row
    return nearest


def switch_states_for_folder(*, folder: Folder, with_origins: bool = True) -> list[SwitchStatus]:
    """One status per active connection of the folder's company, in at most four queries at any depth."""
    connections = list(connections_active_for_company(company_id=folder.company_id))
    connections = [c for c in connections if app_find(c.installation.app_slug) is not None]
    if not connections:
        return []
    ancestor_ids = folder.ancestor_ids or [folder.pk]
    rows = list(FolderSwitch.objects.filter(folder_id__in=ancestor_ids, connection__in=connections)
                .select_related("set_by"))
    nearest = _nearest(rows, ancestor_ids)
    statuses = [
        SwitchStatus(
            connection=connection, app=app_get(connection.installation.app_slug),
            explicit=next((r for r in rows if r.connection_id == connection.pk and r.folder_id == folder.pk), None),
            origin=nearest.get(connection.pk),
        )
        for connection in connections
    ]
    if with_origins:
        origin_ids = {s.origin.folder_id for s in statuses if s.origin and s.origin.folder_id != folder.pk}
        origins = Folder.objects.in_bulk(origin_ids) if origin_ids else {}
        for status in statuses:
            if status.origin and status.origin.folder_id != folder.pk:
                status.inherited_from = origins.get(status.origin.folder_id)
    return statuses


def destinations_on_for_folder(*, folder: Folder) -> list[tuple[PartnerApp, Destination]]:
    """Where a document entering this folder must go: one destination per effectively-on connection."""
    return [(status.app, status.destination) for status in switch_states_for_folder(folder=folder, with_origins=False)
            if status.destination is not None]


# --- backfill -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackfillItem:
    document: Document
    destination: Destination
    refusal: str


def backfill_plan(*, folder: Folder, connection: Connection) -> list[BackfillItem]:
    """Documents of the folder's subtree, effectively on for this connection, not yet sent there."""
    app = app_get(connection.installation.app_slug)
    switches = list(FolderSwitch.objects.filter(connection=connection).filter(
        Q(folder_id__in=folder.ancestor_ids) | Q(folder__path__startswith=folder.path)))
    if not any(s.state == SwitchState.ON for s in switches):
        return []
    by_folder = {s.folder_id: s for s in switches}
    documents = (Document.objects.filter(company_id=folder.company_id, deleted_at__isnull=True,
                                         folder__deleted_at__isnull=True, folder__path__startswith=folder.path)
                 .select_related("folder").order_by("deposited_at", "id"))
    done = set(Delivery.objects.filter(destination__connection=connection, company_id=folder.company_id)
               .values_list("lineage", "destination_id"))
    plan, planned = [], set()
    for document in documents:
        switch = next((by_folder[fid] for fid in reversed(document.folder.ancestor_ids) if fid in by_folder), None)
        if switch is None or switch.state != SwitchState.ON:
            continue
        destination = _destination_of(switch, connection, app)
        key = (document.lineage, destination.pk if destination else None)
        if destination is None or key in done or key in planned:
            continue
        planned.add(key)
        plan.append(BackfillItem(document=document, destination=destination,
                                 refusal=app.refusal_reason(document, connection=connection)))
    return plan


@dataclass(frozen=True)
class BackfillPreview:
    to_send: int
    to_skip: int

    @property
    def total(self) -> int:
        return self.to_send + self.to_skip


def backfill_preview(*, folder: Folder, connection: Connection) -> BackfillPreview:
    plan = backfill_plan(folder=folder, connection=connection)
    skipped = sum(1 for item in plan if item.refusal)
    return BackfillPreview(to_send=len(plan) - skipped, to_skip=skipped)


# --- deliveries -----------------------------------------------------------------------------------


def delivery_list_for_document(*, user: User, document: Document) -> QuerySet[Delivery]:
    """The deliveries of this piece of paper that `user` may see, for a document they already see.

    Copies share a lineage, so a copy shows what was sent for the paper. The copies the firm keeps in
    firm-only folders are the firm's business: a client user never sees their deliveries (where they
    went, that they went). The one selector for the web badges and the API alike.
    """
    deliveries = Delivery.objects.filter(lineage=document.lineage, company_id=document.company_id)
    if not can_see_firm_only_folders(user):
        deliveries = deliveries.filter(document__folder__firm_only=False)
    return deliveries.select_related("destination").prefetch_related("send_attempts").order_by("created_at", "id")


def delivery_lists_for_documents(*, user: User, documents: list[Document]) -> dict[int, list[Delivery]]:
    """`delivery_list_for_document` for a page of documents in one query (plus one for the attempts)."""
    if not documents:
        return {}
    deliveries = Delivery.objects.filter(lineage__in={d.lineage for d in documents},
                                         company_id__in={d.company_id for d in documents})
    if not can_see_firm_only_folders(user):
        deliveries = deliveries.filter(document__folder__firm_only=False)
    by_paper: dict[tuple, list[Delivery]] = {}
    for delivery in deliveries.select_related("destination", "document").prefetch_related("send_attempts") \
            .order_by("created_at", "id"):
        by_paper.setdefault((delivery.lineage, delivery.company_id), []).append(delivery)
    return {d.pk: by_paper.get((d.lineage, d.company_id), []) for d in documents}


def folder_partner_badges(folders: list[Folder]) -> dict[int, list[str]]:
    """For the GED's folder view (registered in PartnersConfig.ready): the apps each folder sends to.

    The same resolution as `switch_states_for_folder`, for many folders in two queries whatever their
    number (the subfolders of one folder share a company): the connections, and the switches on the
    union of their ancestors."""
    if not folders:
        return {}
    badges: dict[int, list[str]] = {folder.pk: [] for folder in folders}
    for company_id in {folder.company_id for folder in folders}:
        connections = [c for c in connections_active_for_company(company_id=company_id)
                       if app_find(c.installation.app_slug) is not None]
        if not connections:
            continue
        mine = [folder for folder in folders if folder.company_id == company_id]
        chains = {folder.pk: folder.ancestor_ids or [folder.pk] for folder in mine}
        rows = list(FolderSwitch.objects.filter(folder_id__in={i for chain in chains.values() for i in chain},
                                                connection__in=connections))
        for folder in mine:
            chain = set(chains[folder.pk])
            nearest = _nearest([row for row in rows if row.folder_id in chain], chains[folder.pk])
            badges[folder.pk] = [app_get(connection.installation.app_slug).name for connection in connections
                                 if (origin := nearest.get(connection.pk)) is not None
                                 and origin.state == SwitchState.ON]
    return badges


# --- receivables (Upflow by API) ----------------------------------------------------------------------


def company_receivables_get_for_user(*, user: User, company_id: int, action: str = "receivables.view") -> Company:
    """A company whose « Poste client » the user may see (or, with `receivables.share`, show to its users).

    404, not 403, for everyone else: a client user of a company whose firm does not share it learns
    nothing, not even that the page exists; another tenant's company does not exist.
    """
    company = company_get_for_user(user=user, company_id=company_id)
    if not partners_policy.can(user, action, company):
        raise Http404("receivables not shown")
    return company


@dataclass(frozen=True)
class InvoiceCompletion:
    """A document whose API delivery waits « à compléter », with what is already known to prefill the form."""

    deliveries: list[Delivery]
    initial: dict


def invoice_completion_for_document(*, document: Document) -> InvoiceCompletion | None:
    waiting = list(Delivery.objects.filter(document=document, status=DeliveryStatus.INCOMPLETE))
    if not waiting:
        return None
    from comptoir.invoices.selectors import invoice_facts_for_document

    facts = invoice_facts_for_document(document=document)
    number = (facts.number if facts else "") or ""
    initial = {"number": number, "customer_name": (facts.buyer_name if facts else "") or "",
               "customer_siren": (facts.buyer_siren if facts else "") or "",
               "amount": f"{facts.total_incl_tax:.2f}" if facts and facts.total_incl_tax is not None else "",
               "issue_date": facts.issue_date.isoformat() if facts and facts.issue_date else "",
               "due_date": facts.due_date.isoformat() if facts and facts.due_date else "",
               "currency": (facts.currency if facts else "") or "EUR"}
    return InvoiceCompletion(deliveries=waiting, initial=initial)


AGE_BUCKETS = (("0–30", 0, 30), ("31–60", 31, 60), ("61–90", 61, 90), ("> 90", 91, None))
LEDGER_SORTS = {"due_date": ("due_date", "id"), "-due_date": ("-due_date", "-id"), "amount": ("amount_outstanding",),
                "-amount": ("-amount_outstanding",), "number": ("number",), "customer": ("customer_name", "number")}


@dataclass(frozen=True)
class ReceivablesLedger:
    rows: list
    sort: str
    outstanding: "Decimal"
    overdue: "Decimal"
    paid_this_month: "Decimal"
    ageing: list[tuple[str, "Decimal", int]]  # (label, amount, bar width in %)
    currency: str


def receivables_visible_to(*, user: User, receivables: QuerySet) -> QuerySet:
    """The same rule as `delivery_list_for_document`: a client user never sees what the firm keeps in
    firm-only folders, nor (on the « Poste client ») what is in the trash."""
    if can_see_firm_only_folders(user):
        return receivables
    return receivables.filter(document__folder__firm_only=False, document__deleted_at__isnull=True,
                              document__folder__deleted_at__isnull=True)


def receivables_ledger(*, user: User, company: Company, state: str = "", sort: str = "due_date") -> ReceivablesLedger:
    """The company's invoices known to its receivables partner that `user` may see, totals and outstanding
    by days past due."""
    from decimal import Decimal

    from django.utils import timezone

    from comptoir.partners.models import Receivable, ReceivableState

    sort = sort if sort in LEDGER_SORTS else "due_date"
    visible = receivables_visible_to(user=user, receivables=Receivable.objects.filter(company=company,
                                                                                       is_credit_note=False))
    every = list(visible.select_related("document"))
    today = timezone.localdate()
    unpaid = [r for r in every if r.state != ReceivableState.PAID]
    outstanding = sum((r.amount_outstanding if r.amount_outstanding is not None else r.gross_amount or 0
                       for r in unpaid), Decimal(0))
    overdue = sum((r.amount_outstanding or 0 for r in unpaid
                   if r.state == ReceivableState.OVERDUE or (r.due_date and r.due_date < today)), Decimal(0))
    paid_this_month = sum((r.gross_amount or 0 for r in every if r.state == ReceivableState.PAID and r.paid_at
                           and timezone.localdate(r.paid_at).replace(day=1) == today.replace(day=1)), Decimal(0))
    buckets = []
    for label, low, high in AGE_BUCKETS:
        amount = Decimal(0)
        for r in unpaid:
            age = max(0, (today - (r.due_date or r.issue_date or today)).days)
            if age >= low and (high is None or age <= high):
                amount += r.amount_outstanding if r.amount_outstanding is not None else r.gross_amount or 0
        buckets.append((label, amount))
    top = max((amount for _label, amount in buckets), default=Decimal(0)) or Decimal(1)
    ageing = [(label, amount, int(amount * 100 / top)) for label, amount in buckets]
    rows = visible.select_related("document")
    if state:
        rows = rows.filter(state=state)
    return ReceivablesLedger(rows=list(rows.order_by(*LEDGER_SORTS[sort])), sort=sort, outstanding=outstanding,
                             overdue=overdue, paid_this_month=paid_this_month, ageing=ageing,
                             currency=next((r.currency for r in every if r.currency), "EUR"))
