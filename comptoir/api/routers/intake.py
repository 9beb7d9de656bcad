"""Deposit channels beyond the single upload: collection mailboxes and who may write to them, zip imports.

The same services and policy as the mailbox page and the zip panel (intake/views.py).
"""

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, UploadedFile
from ninja.responses import Status
from pydantic import Field

from comptoir.api.schemas import DocumentOut, ErrorOut
from comptoir.core.errors import PermissionDenied
from comptoir.firms.models import Company
from comptoir.firms.selectors import company_get_for_user
from comptoir.ged.selectors import folder_get_for_user
from comptoir.intake.policy import intake_policy
from comptoir.intake.selectors import company_mailboxes, zip_import_get_for_user
from comptoir.intake.services.mailbox_policy import mailbox_policy_ensure, mailbox_policy_set, mailbox_token_rotate
from comptoir.intake.services.phone import phone_capture_deposit
from comptoir.intake.services.zip_import import zip_import_create

router = Router(tags=["Dépôts"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class SenderPolicyIn(Schema):
    allowed_senders: list[str] = Field(max_length=500, description="une adresse ou un @domaine par élément")
    untrusted: Literal["quarantine", "refuse"] = Field(
        "quarantine", description="le courrier non authentifié ou d'un autre expéditeur : à valider, ou refusé")
    accept_slug_only: bool = Field(False, description="accepter aussi les anciennes adresses sans jeton")


class SenderPolicyOut(Schema):
    allowed_senders: list[str]
    untrusted: str
    accept_slug_only: bool
    mailboxes: dict[str, str] = Field(description="les adresses de collecte par boîte (achats, ventes…)")


class ZipImportOut(Schema):
    id: int
    folder_id: int
    archive_name: str
    status: Literal["pending", "running", "done", "failed"]
    total: int
    done: int
    errors: list[Any]
    created_at: datetime
    finished_at: datetime | None


def _company_for_policy(request: HttpRequest, company_id: int) -> Company:
    company = company_get_for_user(user=request.auth, company_id=company_id)
    if not intake_policy.can(request.auth, "mailbox_policy.edit"):
        raise PermissionDenied(_("Seul le cabinet règle les expéditeurs autorisés."))
    return company


def _policy_out(company: Company) -> dict:
    policy = mailbox_policy_ensure(company=company)
    return {"allowed_senders": [line for line in policy.allowed_senders.splitlines() if line],
            "untrusted": policy.untrusted, "accept_slug_only": policy.accept_slug_only,
            "mailboxes": company_mailboxes(company)}


@router.get("/companies/{int:company_id}/mailboxes", response={200: dict[str, str], **ERRORS},
            summary="Adresses de collecte d'une entreprise")
def mailboxes(request: HttpRequest, company_id: int):
    """Par boîte (achats, ventes…) : un courriel envoyé à l'adresse y dépose ses pièces jointes."""
    return company_mailboxes(company_get_for_user(user=request.auth, company_id=company_id))


@router.get("/companies/{int:company_id}/sender-policy", response={200: SenderPolicyOut, **ERRORS},
            summary="Expéditeurs autorisés des boîtes de collecte")
def sender_policy_get(request: HttpRequest, company_id: int):
    return _policy_out(_company_for_policy(request, company_id))


@router.put("/companies/{int:company_id}/sender-policy", response={200: SenderPolicyOut, **ERRORS},
            summary="Fixer les expéditeurs autorisés des boîtes de collecte")
def sender_policy_put(request: HttpRequest, company_id: int, payload: SenderPolicyIn):
    company = _company_for_policy(request, company_id)
    mailbox_policy_set(company=company, allowed_senders="\n".join(payload.allowed_senders),
                       untrusted=payload.untrusted, accept_slug_only=payload.accept_slug_only, actor=request.auth)
    return _policy_out(company)


@router.post("/companies/{int:company_id}/mailboxes/rotate", response={200: SenderPolicyOut, **ERRORS},
             summary="Nouvelles adresses de collecte (les anciennes sont refusées)")
def mailboxes_rotate(request: HttpRequest, company_id: int):
    company = _company_for_policy(request, company_id)
    mailbox_token_rotate(company=company, actor=request.auth)
    return _policy_out(company)


@router.post("/folders/{int:folder_id}/zip-imports", response={202: ZipImportOut, **ERRORS},
             summary="Importer une archive zip dans un dossier")
def zip_import_upload(request: HttpRequest, folder_id: int, file: File[UploadedFile]):
    """Champ multipart `file`. L'archive est vérifiée d'abord (400 si elle est refusée : rien n'est
    importé), puis ses fichiers sont déposés en tâche de fond : suivre `GET /zip-imports/{id}`."""
    folder = folder_get_for_user(user=request.auth, folder_id=folder_id)
    zip_import = zip_import_create(folder=folder, upload=file, archive_name=file.name or "archive.zip",
                                   actor=request.auth)
    return Status(202, zip_import)


@router.get("/zip-imports/{int:zip_import_id}", response={200: ZipImportOut, **ERRORS},
            summary="Avancement d'un import zip")
def zip_import_progress(request: HttpRequest, zip_import_id: int):
    return zip_import_get_for_user(user=request.auth, zip_import_id=zip_import_id)


@router.post("/folders/{int:folder_id}/photos", response={201: list[DocumentOut], **ERRORS, 413: ErrorOut,
                                                           415: ErrorOut},
             summary="Déposer des photos (la capture du téléphone), réunies en un PDF si demandé")
def photos_deposit(request: HttpRequest, folder_id: int, files: File[list[UploadedFile]] = None,
                   combine: Form[bool] = False, name: Form[str] = ""):
    """Champ multipart `files` (plusieurs). Avec `combine`, les images deviennent un seul PDF nommé
    `name` (les PDF restent à part) ; sinon chaque fichier est un document. Une photo refusée : rien
    n'est déposé."""
    folder = folder_get_for_user(user=request.auth, folder_id=folder_id)
    # No file is the service's refusal (400), after the folder is found: another tenant's folder stays a 404.
    documents = phone_capture_deposit(folder=folder, uploads=files or [], combine=combine, actor=request.auth,
                                      name=name[:150])
    return Status(201, documents)
