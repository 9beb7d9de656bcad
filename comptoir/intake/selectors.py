"""Reads of the intake app: collection mailboxes, their routing, the sender policy, zip imports."""

from datetime import date

from django.conf import settings
from django.http import Http404

from comptoir.accounts.models import User
from comptoir.firms.models import Company
from comptoir.ged.models import Folder
from comptoir.ged.selectors import folder_get_for_user
from comptoir.intake.models import MailboxPolicy, ZipImport

# Mailbox name → role of the folder it feeds in the annual accounting folder.
MAILBOXES = ("achats", "ventes", "banque", "social", "ndf", "a-classer")
UNSORTED_BOX = "a-classer"


def mailbox_address(*, box: str, company: Company) -> str:
    return f"{box}+{company.slug}@{settings.MAIL_DOMAIN}"


def company_mailboxes(company: Company) -> dict[str, str]:
    """The collection addresses of a company, by mailbox name (shown on the company page and in the API)."""
    return {box: mailbox_address(box=box, company=company) for box in MAILBOXES}


def mailbox_parse(address: str) -> tuple[str, str] | None:
    """`achats+boulangerie@domain` → ("achats", "boulangerie"); None when it is not one of ours."""
    local, at, domain = (address or "").strip().strip("<>").rpartition("@")
    if not at or domain.lower() != settings.MAIL_DOMAIN.lower():
        return None
    box, plus, slug = local.lower().partition("+")
    if not plus or box not in MAILBOXES or not slug:
        return None
    return box, slug


def mailbox_company(address: str) -> tuple[str, Company] | None:
    parsed = mailbox_parse(address)
    if parsed is None:
        return None
    box, slug = parsed
    company = Company.objects.select_related("firm").filter(slug=slug).first()
    return (box, company) if company else None


def annual_folder_for(*, company: Company, on: date) -> Folder | None:
    """The annual accounting folder whose fiscal year contains `on`, else the latest one."""
    annuals = list(Folder.objects.filter(company=company, role="annual", deleted_at__isnull=True)
                   .order_by("-fiscal_year", "-id"))
    for annual in annuals:
        months = Folder.objects.filter(path__startswith=annual.path, role="month", deleted_at__isnull=True,
                                       month__isnull=False).values_list("month", flat=True)
        months = sorted(months)
        if months and months[0] <= on.replace(day=1) <= months[-1]:
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
    month = Folder.objects.filter(parent=folder, role="month", month=on.replace(day=1),
                                  deleted_at__isnull=True).first()
    return month or folder


def month_subfolder_for(*, folder: Folder, on: date) -> Folder | None:
    """The month subfolder of `folder` (Achats, Ventes… of the annual template) holding `on`, if any."""
    return Folder.objects.filter(parent=folder, role="month", month=on.replace(day=1), deleted_at__isnull=True).first()


def folder_has_month_subfolders(*, folder: Folder) -> bool:
    return Folder.objects.filter(parent=folder, role="month", deleted_at__isnull=True).exists()


def unsorted_folder_resolve(*, company: Company, on: date) -> Folder | None:
    return mailbox_folder_resolve(company=company, box=UNSORTED_BOX, on=on)


def mailbox_sender_allowed(*, company: Company, sender: str) -> bool:
    policy = MailboxPolicy.objects.filter(company=company).first()
    patterns = policy.sender_patterns() if policy else []
    if not patterns:
        return True
    sender = (sender or "").strip().strip("<>").lower()
    domain = sender.rpartition("@")[2]
    return any(sender == pattern or (pattern.startswith("@") and domain == pattern[1:]) for pattern in patterns)


def mailbox_policy_for(*, company: Company) -> MailboxPolicy | None:
    return MailboxPolicy.objects.filter(company=company).first()


def zip_import_get_for_user(*, user: User, zip_import_id: int) -> ZipImport:
    zip_import = ZipImport.objects.select_related("folder").filter(pk=zip_import_id).first()
    if zip_import is None:
        raise Http404("import not found")
    folder_get_for_user(user=user, folder_id=zip_import.folder_id)
    return zip_import
