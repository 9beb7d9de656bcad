"""Companies and their folder trees."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from comptoir.api.pagination import Limit, Offset
from comptoir.api.schemas import (
    CompanyArchiveOut,
    CompanyDetailOut,
    CompanyEditIn,
    CompanyIn,
    CompanyOut,
    DocumentOut,
    ErrorOut,
    FolderIn,
    FolderOut,
)
from comptoir.core.errors import PermissionDenied
from comptoir.firms import policy
from comptoir.firms.models import Company
from comptoir.firms.selectors import company_get_for_user, company_list_for_user, firm_for_user
from comptoir.firms.validators import validate_siren, validate_siret
from comptoir.ged.selectors import folder_get_for_user, folder_list_for_user
from comptoir.ged.services import company_edit, company_onboard, folder_create
from comptoir.intake.selectors import company_mailboxes, quarantine_get_for_user, quarantine_list_for_user
from comptoir.intake.services.quarantine import quarantine_approve, quarantine_message_approve, quarantine_reject

router = Router(tags=["Entreprises"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _company_detail(company: Company) -> dict:
    return {**CompanyOut.from_orm(company).dict(), "mailboxes": company_mailboxes(company)}


def _with_paths(folders: list[dict]) -> list[dict]:
    """Add the human path to folder rows, from the rows alone (no query per folder).

    Rows come back in tree order (each folder followed by its subtree, siblings by position then
    name), which is how people read a tree.
    """
    by_id = {row["id"]: row for row in folders}

    def chain(row: dict) -> list[dict]:
        # The materialised path lists the ids from the root down; a client user's visible folders
        # never sit under a hidden one (firm-only is inherited), so every ancestor is in `by_id`.
        return [by_id[int(pk)] for pk in row["tree_path"].strip("/").split("/") if int(pk) in by_id]

    rows = []
    for row in folders:
        ancestors = chain(row)
        rows.append((
            [(a["position"], a["name"].casefold(), a["id"]) for a in ancestors],
            {"id": row["id"], "name": row["name"], "parent_id": row["parent_id"],
             "path": "/".join(a["name"] for a in ancestors)},
        ))
    rows.sort(key=lambda item: item[0])
    return [folder for _key, folder in rows]


@router.get("/companies", response={200: list[CompanyOut], 401: ErrorOut}, summary="Entreprises visibles")
def company_list(request: HttpRequest):
    return company_list_for_user(user=request.auth)


@router.post("/companies", response={201: CompanyDetailOut, **ERRORS}, summary="Créer une entreprise")
def company_create(request: HttpRequest, payload: CompanyIn):
    """Réservé aux administrateurs du cabinet ; pose l'arborescence du dossier annuel."""
    user = request.auth
    if not policy.can_manage_companies(user):
        raise PermissionDenied(_("Seuls les administrateurs du cabinet peuvent créer une entreprise."))
    company = company_onboard(firm=firm_for_user(user=user), actor=user, **payload.dict())
    return Status(201, _company_detail(company))


@router.get("/companies/{int:company_id}", response={200: CompanyDetailOut, **ERRORS}, summary="Une entreprise")
def company_detail(request: HttpRequest, company_id: int):
    company = company_get_for_user(user=request.auth, company_id=company_id)
    return _company_detail(company)


def company_for_edit(request: HttpRequest, company_id: int) -> Company:
    """The company, if the caller may edit or archive it (the firm's administrators): else 403."""
    company = company_get_for_user(user=request.auth, company_id=company_id)
    if not policy.can_edit_company(request.auth, company):
        raise PermissionDenied(_("Seuls les administrateurs du cabinet modifient une entreprise."))
    return company


def company_archive_out(company: Company, cancelled: int = 0) -> dict:
    return {**CompanyOut.from_orm(company).dict(), "archived_at": company.archived_at,
            "cancelled_deliveries": cancelled}


# Same path as the GET above: ninja serves both methods from one router.
@router.patch("/companies/{int:company_id}", response={200: CompanyArchiveOut, **ERRORS},
              summary="Modifier une entreprise")
def company_patch(request: HttpRequest, company_id: int, payload: CompanyEditIn):
    """Raison sociale, SIREN/SIRET, exercice. Une entreprise archivée est en lecture seule (400)."""
    company = company_for_edit(request, company_id)
    given = payload.dict(exclude_unset=True)
    create_folders = given.pop("create_exercise_folders", False)
    fields = {key: getattr(company, key) for key in ("name", "siren", "siret", "fiscal_year_start",
                                                     "fiscal_year_end")}
    fields.update({key: value for key, value in given.items() if value is not None})
    fields["siren"] = fields["siren"].replace(" ", "")
    fields["siret"] = (fields["siret"] or "").replace(" ", "")
    errors = {}
    for key, validate in (("siren", validate_siren), ("siret", validate_siret)):
        try:
            validate(fields[key])
        except ValidationError as error:
            errors[key] = error.messages
    if fields["siret"] and not fields["siret"].startswith(fields["siren"]):
        errors.setdefault("siret", []).append(_("Le SIRET doit commencer par le SIREN."))
    if errors:
        raise ValidationError(errors)
    company_edit(company=company, actor=request.auth, create_exercise_folders=create_folders, **fields)
    return company_archive_out(company)



@router.get("/companies/{int:company_id}/folders", response={200: list[FolderOut], **ERRORS},
            summary="Dossiers d'une entreprise")
def folder_list(request: HttpRequest, company_id: int):
    company = company_get_for_user(user=request.auth, company_id=company_id)
    rows = folder_list_for_user(user=request.auth, company=company).values(
        "id", "name", "parent_id", "position", tree_path=F("path")
    )
    return _with_paths(list(rows))


@router.post("/companies/{int:company_id}/folders", response={201: FolderOut, **ERRORS}, summary="Créer un dossier")
def folder_add(request: HttpRequest, company_id: int, payload: FolderIn):
    user = request.auth
    company = company_get_for_user(user=user, company_id=company_id)
    if not policy.can_manage_folders(user):
        raise PermissionDenied(_("Vous ne pouvez pas créer de dossier."))
    if payload.firm_only and not policy.can_see_firm_only_folders(user):
        raise PermissionDenied(_("Seul le cabinet peut créer un dossier réservé au cabinet."))
    parent = folder_get_for_user(user=user, folder_id=payload.parent_id) if payload.parent_id else None
    folder = folder_create(company=company, parent=parent, name=payload.name, actor=user,
                           firm_only=payload.firm_only)
    rows = folder_list_for_user(user=user, company=company).filter(pk__in=folder.ancestor_ids)
    path = "/".join(f.name for f in sorted(rows, key=lambda f: f.depth))
    return Status(201, {"id": folder.pk, "name": folder.name, "parent_id": folder.parent_id, "path": path})


# --- The quarantine ("À valider") of the collection mailboxes: firm staff only; clients get 404. ---


class QuarantinedOut(Schema):
    id: int
    company_id: int
    filename: str
    size: int
    content_type: str
    mailbox: str
    recipient: str
    reason: str
    authentication: str
    sender: str
    envelope_sender: str
    subject: str
    message_id: str
    status: str
    received_at: datetime
    document_id: int | None = None


@router.get("/companies/{int:company_id}/quarantine", response={200: list[QuarantinedOut], **ERRORS},
            summary="Documents à valider (courrier non authentifié)")
def quarantine_list(request: HttpRequest, company_id: int, limit: Limit = 50, offset: Offset = 0):
    """Réservé au cabinet. Liste nue, paginée par `limit` et `offset` (hors bornes : 422)."""
    company = company_get_for_user(user=request.auth, company_id=company_id)
    return list(quarantine_list_for_user(user=request.auth, company=company)[offset:offset + limit])


@router.post("/quarantine/{int:quarantine_id}/approve", response={200: QuarantinedOut, 409: ErrorOut, **ERRORS},
             summary="Valider un document : il est déposé (les switches s'appliquent maintenant)")
def quarantine_approve_endpoint(request: HttpRequest, quarantine_id: int, allow_sender: bool = False):
    """`allow_sender=true`: « toujours autoriser cet expéditeur » (an authenticated sender only, else 400)."""
    item = quarantine_get_for_user(user=request.auth, quarantine_id=quarantine_id)
    quarantine_approve(item=item, actor=request.auth, allow_sender=allow_sender)
    item.refresh_from_db()
    return item


@router.post("/quarantine/{int:quarantine_id}/approve-message",
             response={200: list[DocumentOut], 409: ErrorOut, **ERRORS},
             summary="Valider tous les fichiers en attente du même message")
def quarantine_message_approve_endpoint(request: HttpRequest, quarantine_id: int, allow_sender: bool = False):
    item = quarantine_get_for_user(user=request.auth, quarantine_id=quarantine_id)
    return quarantine_message_approve(item=item, actor=request.auth, allow_sender=allow_sender)


@router.post("/quarantine/{int:quarantine_id}/reject", response={200: QuarantinedOut, 409: ErrorOut, **ERRORS},
             summary="Rejeter un document : son contenu est supprimé")
def quarantine_reject_endpoint(request: HttpRequest, quarantine_id: int):
    item = quarantine_get_for_user(user=request.auth, quarantine_id=quarantine_id)
    return quarantine_reject(item=item, actor=request.auth)
