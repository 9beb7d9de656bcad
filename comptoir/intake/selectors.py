"""Reads of the intake app: collection mailboxes, their routing, the sender policy, quarantine, zip imports."""

import secrets
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Count
from django.http import Http404

from comptoir.accounts.models import User
from comptoir.firms.models import Company
from comptoir.firms.policy import is_firm_staff
from comptoir.firms.selectors import company_get_for_user
from comptoir.ged.models import Folder, FolderRole
from comptoir.ged.selectors import folder_get_for_user
from comptoir.intake.models import MailboxPolicy, QuarantinedDocument, QuarantineStatus, ZipImport
from comptoir.partners.catalogue.base import PartnerApp
from comptoir.partners.selectors import switch_states_for_folder

# Mailbox name → role of the folder it feeds in the annual accounting folder.
MAILBOXES = tuple(role.value for role in (FolderRole.ACHATS, FolderRole.VENTES, FolderRole.BANQUE,
                                         FolderRole.SOCIAL, FolderRole.NDF, FolderRole.A_CLASSER))
UNSORTED_BOX = FolderRole.A_CLASSER.value


def mailbox_address(*, box: str, company: Company, token: str) -> str:
    return f"{box}+{company.slug}.{token}@{settings.MAIL_DOMAIN}"


def company_mailboxes(company: Company) -> dict[str, str]:
    """The collection addresses of a company, by mailbox name (shown on the company page and in the API).

    The first read gives the company its random token (a company created before tokens had none).
    """
    from comptoir.intake.services.mailbox_policy import mailbox_policy_ensure

    token = mailbox_policy_ensure(company=company).token
    return {box: mailbox_address(box=box, company=company, token=token) for box in MAILBOXES}


def mailbox_parse(address: str) -> tuple[str, str, str | None] | None:
    """`achats+boulangerie.k7f3q9@domain` → ("achats", "boulangerie", "k7f3q9"); the token is None for
    a slug-only address; None when the address is not one of ours."""
    local, at, domain = (address or "").strip().strip("<>").rpartition("@")
    if not at or domain.lower() != settings.MAIL_DOMAIN.lower():
        return None
    box, plus, rest = local.lower().partition("+")
    if not plus or box not in MAILBOXES or not rest:
        return None
    slug, dot, token = rest.rpartition(".")
    if not dot:
        return box, rest, None
    if not slug or not token:
        return None
    return box, slug, token


def mailbox_company(address: str) -> tuple[str, Company] | None:
    """The mailbox and company an address stands for: its token must be the company's current one
    (slug-only only while the firm keeps those); None otherwise, with no hint of which part was wrong."""
    parsed = mailbox_parse(address)
    if parsed is None:
        return None
    box, slug, token = parsed
    # The policy comes in the same query: the caller reads `company.mailbox_policy` without another one.
    company = Company.objects.select_related("firm", "mailbox_policy").filter(slug=slug).first()
    if company is None:
        return None
    policy = company_mailbox_policy(company)
    if token is None:
        accepted = policy is not None and policy.accept_slug_only
    else:
        accepted = policy is not None and bool(policy.token) and secrets.compare_digest(policy.token, token)
    return (box, company) if accepted else None


def annual_folder_for(*, company: Company, on: date) -> Folder | None:
    """The annual accounting folder whose fiscal year contains `on`, else the latest one (two queries)."""
    annuals = list(Folder.objects.filter(company=company, role=FolderRole.ANNUAL, deleted_at__isnull=True)
                   .order_by("-fiscal_year", "-id"))
    months = list(Folder.objects.filter(company=company, role=FolderRole.MONTH, deleted_at__isnull=True,
                                        month__isnull=False).values_list("path", "month")) if annuals else []
    for annual in annuals:
        covered = sorted(month for path, month in months if path.startswith(annual.path))
        if covered and covered[0] <= on.replace(day=1) <= covered[-1]:
            return annual
    for annual in annuals:
        # No month folders to tell: the company's fiscal-year dates, shifted to that year.
        if annual.fiscal_year and _fiscal_year_contains(company=company, end_year=annual.fiscal_year, on=on):
            return annual
    return annuals[0] if annuals else None


def _fiscal_year_contains(*, company: Company, end_year: int, on: date) -> bool:
    shift = end_year - company.fiscal_year_end.year
    try:
        start = company.fiscal_year_start.replace(year=company.fiscal_year_start.year + shift)
        end = company.fiscal_year_end.replace(year=end_year)
    except ValueError:  # 29 February
        return False
    return start <= on <= end


def mailbox_folder_resolve(*, company: Company, box: str, on: date) -> Folder | None:
    """Where a mail to `box` received on `on` is filed: the box's folder, in its month subfolder if any."""
    annual = annual_folder_for(company=company, on=on)
    if annual is None:
        return None
    folder = (Folder.objects.filter(path__startswith=annual.path, role=box, deleted_at__isnull=True)
              .order_by("depth", "id").first())
    if folder is None:
        return None
    month = Folder.objects.filter(parent=folder, role=FolderRole.MONTH, month=on.replace(day=1),
                                  deleted_at__isnull=True).first()
    if month is not None:
        month.parent = folder  # known already: the payables check and the deposit read it without a query
    return month or folder


def month_subfolder_for(*, folder: Folder, on: date) -> Folder | None:
    """The month subfolder of `folder` (Achats, Ventes… of the annual template) holding `on`, if any."""
    return Folder.objects.filter(parent=folder, role="month", month=on.replace(day=1), deleted_at__isnull=True).first()


def folder_has_month_subfolders(*, folder: Folder) -> bool:
    return Folder.objects.filter(parent=folder, role="month", deleted_at__isnull=True).exists()


def unsorted_folder_resolve(*, company: Company, on: date) -> Folder | None:
    """The « À classer » folder of the fiscal year containing `on` (where the PA files what no year covers)."""
    return mailbox_folder_resolve(company=company, box=UNSORTED_BOX, on=on)


def mailbox_sender_allowed(*, company: Company, sender: str) -> bool:
    """Is this (authenticated) From: address one the firm listed? An empty list allows nobody."""
    return policy_sender_allowed(policy=MailboxPolicy.objects.filter(company=company).first(), sender=sender)


def policy_sender_allowed(*, policy: MailboxPolicy | None, sender: str) -> bool:
    patterns = policy.sender_patterns() if policy else []
    sender = (sender or "").strip().strip("<>").lower()
    domain = sender.rpartition("@")[2]
    return bool(sender) and any(sender == pattern or (pattern.startswith("@") and domain == pattern[1:])
                                for pattern in patterns)


def mailbox_policy_for(*, company: Company) -> MailboxPolicy | None:
    return MailboxPolicy.objects.filter(company=company).first()


def company_mailbox_policy(company: Company) -> MailboxPolicy | None:
    """The company's policy as loaded with it (`mailbox_company` selects it), else read now."""
    try:
        return company.mailbox_policy
    except MailboxPolicy.DoesNotExist:
        return None


def mailbox_payables_apps(*, folder: Folder) -> list[PartnerApp]:
    """The payables partners (apps that declare the invoice kinds they take: Upflow, a PA) this folder is
    effectively switched on for. Mail filed there must come from an allowed sender, not only an
    authenticated one: a forged invoice must never reach a dunning tool."""
    return [status.app for status in switch_states_for_folder(folder=folder, with_origins=False)
            if status.effective and status.app.accepted_invoice_kinds is not None]


@dataclass(frozen=True)
class MailboxRule:
    """What a collection mailbox deposits, as the « Expéditeurs autorisés » page shows it."""

    box: str
    address: str
    folder: Folder | None
    payables: list[PartnerApp]

    @property
    def strict(self) -> bool:
        """Authenticated *and* allowed (True), or authenticated is enough (False)."""
        return bool(self.payables)

    @property
    def payable_names(self) -> list[str]:
        return [app.name for app in self.payables]


def mailbox_rules_for(*, company: Company, on: date) -> list[MailboxRule]:
    rules = []
    for box, address in company_mailboxes(company).items():
        folder = mailbox_folder_resolve(company=company, box=box, on=on)
        rules.append(MailboxRule(box=box, address=address, folder=folder,
                                 payables=mailbox_payables_apps(folder=folder) if folder else []))
    return rules


def zip_import_get_for_user(*, user: User, zip_import_id: int) -> ZipImport:
    zip_import = ZipImport.objects.select_related("folder").filter(pk=zip_import_id).first()
    if zip_import is None:
        raise Http404("import not found")
    folder_get_for_user(user=user, folder_id=zip_import.folder_id)
    return zip_import


def quarantine_list_for_user(*, user: User, company: Company, status: str = QuarantineStatus.PENDING):
    """The "À valider" files of a company, for firm staff only: for anyone else it does not exist (404)."""
    company = company_get_for_user(user=user, company_id=company.pk)
    if not is_firm_staff(user):
        raise Http404("not found")
    return QuarantinedDocument.objects.filter(company=company, status=status).order_by("-received_at", "id")


def quarantine_get_for_user(*, user: User, quarantine_id: int) -> QuarantinedDocument:
    """One quarantined file; 404 for anyone but the staff of its company's firm (clients never see it)."""
    item = QuarantinedDocument.objects.select_related("company").filter(pk=quarantine_id).first()
    if item is None or not is_firm_staff(user):
        raise Http404("not found")
    company_get_for_user(user=user, company_id=item.company_id)  # 404 across tenants
    return item


def quarantine_pending_count(*, company: Company) -> int:
    return QuarantinedDocument.objects.filter(company=company, status=QuarantineStatus.PENDING).count()


def quarantine_pending_by_company_for_user(*, user: User) -> list[tuple[Company, int]]:
    """For the firm's dashboard: the companies with mail files waiting « À valider », and how many."""
    if not is_firm_staff(user):
        return []
    from comptoir.firms.selectors import company_list_for_user

    rows = (QuarantinedDocument.objects.filter(company__in=company_list_for_user(user=user),
                                               status=QuarantineStatus.PENDING)
            .order_by().values("company").annotate(n=Count("id")))
    counts = {row["company"]: row["n"] for row in rows}
    companies = Company.objects.filter(pk__in=counts).order_by("name")
    return [(company, counts[company.pk]) for company in companies]
