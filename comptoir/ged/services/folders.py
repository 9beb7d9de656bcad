from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from comptoir.accounts.models import User
from comptoir.core.services import audit_event_record
from comptoir.firms.models import Company, Firm
from comptoir.firms.services import company_create, company_update
from comptoir.ged.filenames import filename_sanitize
from comptoir.ged.folder_templates import (
    ANNUAL_SUBFOLDERS,
    FIRM_ONLY_FOLDERS,
    FolderSpec,
    annual_folder_name,
    fiscal_months,
    month_folder_name,
)
from comptoir.ged.models import Folder, FolderRole
from comptoir.ged.policy import ged_policy
from comptoir.ged.search.index import search_index_subtree

MAX_DEPTH = 60


def _clean_name(name: str) -> str:
    cleaned = filename_sanitize(name, fallback="")
    if not cleaned:
        raise ValidationError({"name": "Le nom du dossier est vide ou invalide."})
    return cleaned


def _name_taken(*, company: Company, parent: Folder | None, name: str, exclude_id: int | None = None) -> bool:
    siblings = Folder.objects.filter(company=company, parent=parent, name=name, deleted_at__isnull=True)
    if exclude_id:
        siblings = siblings.exclude(pk=exclude_id)
    return siblings.exists()


def _folder_insert(*, company: Company, parent: Folder | None, name: str, actor: User | None, **extra) -> Folder:
    depth = parent.depth + 1 if parent else 0
    if depth > MAX_DEPTH:
        raise ValidationError({"parent_id": f"Profondeur maximale atteinte ({MAX_DEPTH} niveaux)."})
    firm_only = extra.pop("firm_only", False) or bool(parent and parent.firm_only)
    folder = Folder.objects.create(company=company, parent=parent, name=name, depth=depth, firm_only=firm_only,
                                   created_by=actor, **extra)
    folder.path = f"{parent.path if parent else '/'}{folder.pk}/"
    folder.save(update_fields=["path"])
    return folder


@transaction.atomic
def folder_create(*, company: Company, parent: Folder | None, name: str, actor: User | None,
                  firm_only: bool = False) -> Folder:
    if parent is not None and parent.company_id != company.pk:
        raise ValidationError({"parent_id": "Le dossier parent appartient à une autre entreprise."})
    name = _clean_name(name)
    if _name_taken(company=company, parent=parent, name=name):
        raise ValidationError({"name": f"Un dossier « {name} » existe déjà ici."})
    folder = _folder_insert(company=company, parent=parent, name=name, actor=actor, firm_only=firm_only)
    audit_event_record(actor=actor, action="folder.create", target=folder, firm_id=company.firm_id,
                       data={"name": name, "parent": parent.pk if parent else None})
    return folder


@transaction.atomic
def folder_rename(*, folder: Folder, name: str, actor: User) -> Folder:
    ged_policy.require(actor, "folder.rename", folder)
    name = _clean_name(name)
    if _name_taken(company=folder.company, parent=folder.parent, name=name, exclude_id=folder.pk):
        raise ValidationError({"name": f"Un dossier « {name} » existe déjà ici."})
    old = folder.name
    folder.name = name
    folder.save(update_fields=["name"])
    audit_event_record(actor=actor, action="folder.rename", target=folder, firm_id=folder.company.firm_id,
                       data={"from": old, "to": name})
    search_index_subtree(folder=folder)
    return folder


@transaction.atomic
def folder_move(*, folder: Folder, new_parent: Folder | None, actor: User) -> Folder:
    ged_policy.require(actor, "folder.move", folder)
    """Move a folder and its subtree: one UPDATE rewrites the paths below it.

    Moving a folder is not a deposit of the documents inside it (they do not 'enter' a folder).
    """
    if new_parent is not None:
        if new_parent.company_id != folder.company_id:
            raise ValidationError({"parent_id": "Impossible de déplacer un dossier vers une autre entreprise."})
        if new_parent.path.startswith(folder.path):
            raise ValidationError({"parent_id": "Un dossier ne peut pas être déplacé dans lui-même."})
    if _name_taken(company=folder.company, parent=new_parent, name=folder.name, exclude_id=folder.pk):
        raise ValidationError({"name": f"Un dossier « {folder.name} » existe déjà à cet endroit."})
    old_path, old_depth = folder.path, folder.depth
    new_path = f"{new_parent.path if new_parent else '/'}{folder.pk}/"
    depth_delta = (new_parent.depth + 1 if new_parent else 0) - old_depth
    Folder.objects.filter(company=folder.company, path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_delta,
    )
    if new_parent is not None and new_parent.firm_only:
        Folder.objects.filter(company=folder.company, path__startswith=new_path).update(firm_only=True)
    Folder.objects.filter(pk=folder.pk).update(parent=new_parent)
    folder.refresh_from_db()
    audit_event_record(actor=actor, action="folder.move", target=folder, firm_id=folder.company.firm_id,
                       data={"to": new_parent.pk if new_parent else None})
    search_index_subtree(folder=folder)
    return folder


@transaction.atomic
def folder_trash(*, folder: Folder, actor: User) -> Folder:
    """Put a folder and its subtree in the trash; `folder_restore` brings the same batch back."""
    ged_policy.require(actor, "folder.trash", folder)
    now = timezone.now()
    Folder.objects.filter(company=folder.company, path__startswith=folder.path, deleted_at__isnull=True).update(
        deleted_at=now, deleted_by=actor, trashed_with=folder
    )
    folder.refresh_from_db()
    audit_event_record(actor=actor, action="folder.trash", target=folder, firm_id=folder.company.firm_id)
    return folder


@transaction.atomic
def folder_restore(*, folder: Folder, actor: User) -> Folder:
    ged_policy.require(actor, "folder.restore", folder)
    if folder.parent is not None and folder.parent.deleted_at is not None:
        raise ValidationError("Restaurez d'abord le dossier parent.")
    if _name_taken(company=folder.company, parent=folder.parent, name=folder.name, exclude_id=folder.pk):
        raise ValidationError(f"Un dossier « {folder.name} » existe déjà à cet endroit.")
    Folder.objects.filter(trashed_with=folder).update(deleted_at=None, deleted_by=None, trashed_with=None)
    folder.refresh_from_db()
    audit_event_record(actor=actor, action="folder.restore", target=folder, firm_id=folder.company.firm_id)
    return folder


def _lay_down(*, company: Company, parent: Folder | None, spec: FolderSpec, actor: User | None,
              position: int) -> Folder:
    folder = _folder_insert(company=company, parent=parent, name=spec.name, actor=actor, role=spec.role,
                            firm_only=spec.firm_only, position=position)
    if spec.months:
        months = fiscal_months(company.fiscal_year_start, company.fiscal_year_end)
        for index, month in enumerate(months, start=1):
            _folder_insert(company=company, parent=folder, name=month_folder_name(month, index), actor=actor,
                           role=FolderRole.MONTH, month=month, position=index)
    for index, child in enumerate(spec.children):
        _lay_down(company=company, parent=folder, spec=child, actor=actor, position=index)
    return folder


@transaction.atomic
def folder_template_apply(*, company: Company, actor: User | None) -> Folder:
    """Lay down the annual accounting folder of the company's current fiscal year."""
    annual = _folder_insert(
        company=company, parent=None, actor=actor, role=FolderRole.ANNUAL,
        name=annual_folder_name(company.fiscal_year_start, company.fiscal_year_end,
                                style=company.firm.exercise_folder_style),
        fiscal_year=company.fiscal_year_end.year,
    )
    for index, spec in enumerate(ANNUAL_SUBFOLDERS):
        _lay_down(company=company, parent=annual, spec=spec, actor=actor, position=index)
    for index, spec in enumerate(FIRM_ONLY_FOLDERS, start=100):
        _lay_down(company=company, parent=None, spec=spec, actor=actor, position=index)
    return annual


@transaction.atomic
def annual_folder_ensure(*, company: Company, actor: User | None) -> Folder | None:
    """The annual folder of the company's current fiscal year, laid down if missing (after a change of
    fiscal year). Never deletes nor renames anything; None when it already exists."""
    if Folder.objects.filter(company=company, role="annual", fiscal_year=company.fiscal_year_end.year,
                             deleted_at__isnull=True).exists():
        return None
    annual = _folder_insert(
        company=company, parent=None, actor=actor, role="annual",
        name=annual_folder_name(company.fiscal_year_start, company.fiscal_year_end,
                                style=company.firm.exercise_folder_style),
        fiscal_year=company.fiscal_year_end.year,
    )
    for index, spec in enumerate(ANNUAL_SUBFOLDERS):
        _lay_down(company=company, parent=annual, spec=spec, actor=actor, position=index)
    audit_event_record(actor=actor, action="folder.annual_ensure", target=annual, firm_id=company.firm_id)
    return annual


@transaction.atomic
def company_onboard(*, firm: Firm, actor: User | None, **fields) -> Company:
    """Create a client company with its folder tree, in one transaction."""
    company = company_create(firm=firm, actor=actor, **fields)
    folder_template_apply(company=company, actor=actor)
    return company


@transaction.atomic
def company_edit(*, company: Company, actor: User, create_exercise_folders: bool = False,
                 **fields) -> tuple[list[str], Folder | None]:
    """Edit the company; when asked (after a change of fiscal year), lay down the new exercise's folders.
    Nothing is ever deleted or renamed."""
    changed = company_update(company=company, actor=actor, **fields)
    created = annual_folder_ensure(company=company, actor=actor) if create_exercise_folders else None
    return changed, created
