"""Folder trees laid down when a company is created. The default is the annual accounting folder."""

from dataclasses import dataclass, field
from datetime import date

from comptoir.ged.models import FolderRole


@dataclass(frozen=True)
class FolderSpec:
    name: str
    role: str = ""
    months: bool = False
    firm_only: bool = False
    children: tuple["FolderSpec", ...] = field(default_factory=tuple)


ANNUAL_SUBFOLDERS = (
    FolderSpec("Achats", role=FolderRole.ACHATS, months=True),
    FolderSpec("Ventes", role=FolderRole.VENTES, months=True),
    FolderSpec("Banque", role=FolderRole.BANQUE),
    FolderSpec("Notes de frais", role=FolderRole.NDF),
    FolderSpec("Social", role=FolderRole.SOCIAL),
    FolderSpec("Fiscal", role=FolderRole.FISCAL),
    FolderSpec("Juridique", role=FolderRole.JURIDIQUE),
    FolderSpec("À classer", role=FolderRole.A_CLASSER),
)

# Beside the client's tree, folders only the firm sees.
FIRM_ONLY_FOLDERS = (
    FolderSpec("Cabinet – Travaux", role=FolderRole.FIRM_WORK, firm_only=True),
    FolderSpec("Cabinet – Révision", role=FolderRole.FIRM_REVIEW, firm_only=True),
)

MONTH_NAMES = ("Janvier", "Février", "Mars", "Avril", "Mai", "Juin", "Juillet", "Août", "Septembre",
               "Octobre", "Novembre", "Décembre")


def annual_folder_name(fiscal_year_start: date, fiscal_year_end: date, *, style: str = "exercise") -> str:
    """« Dossier comptable annuel 2026 » for a calendar year. Otherwise, by the firm's choice
    (`Firm.exercise_folder_style`), « Exercice 2026-2027 » (what accountants say; a hyphen, since "/"
    separates folders in paths) or the year the fiscal year ends in."""
    if fiscal_year_start.year == fiscal_year_end.year or style == "end_year":
        return f"Dossier comptable annuel {fiscal_year_end.year}"
    return f"Exercice {fiscal_year_start.year}-{fiscal_year_end.year}"


def fiscal_months(fiscal_year_start: date, fiscal_year_end: date) -> list[date]:
    """First day of each month of the fiscal year, in order."""
    months, current = [], fiscal_year_start.replace(day=1)
    while current <= fiscal_year_end:
        months.append(current)
        current = current.replace(year=current.year + 1, month=1) if current.month == 12 else current.replace(
            month=current.month + 1)
    return months


def month_folder_name(month: date, position: int) -> str:
    return f"{position:02d} – {MONTH_NAMES[month.month - 1]} {month.year}"
