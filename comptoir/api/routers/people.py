"""A client relationship over time (edit, archive), its people and invitations, and the firm's branding.

The same services and policy checks as the company page and *Paramètres → Cabinet* (web/views/lifecycle.py,
web/views/firm_settings.py): an API client can do what a person can, no more.
"""

import mimetypes

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import FileResponse, Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Router, UploadedFile
from ninja.responses import Status

from comptoir.api.pagination import Limit, Offset
from comptoir.api.routers.companies import company_archive_out, company_for_edit
from comptoir.api.schemas import (
    CompanyArchiveOut,
    ErrorOut,
    FirmIn,
    FirmOut,
    InvitationIn,
    InvitationOut,
    MemberOut,
    MemberRoleIn,
)
from comptoir.core.errors import PermissionDenied
from comptoir.firms.emails import invitation_resend, invitation_send
from comptoir.firms.logos import logo_checked
from comptoir.firms.models import Company, Firm
from comptoir.firms.policy import can_invite, can_manage_members, is_firm_admin
from comptoir.firms.selectors import (
    company_get_for_user,
    firm_for_user,
    invitation_get_for_company,
    invitation_list_open_for_company,
    membership_get_for_company,
    membership_list_for_company,
)
from comptoir.firms.services import company_unarchive, firm_branding_update, invitation_cancel, membership_remove
from comptoir.firms.services import membership_role_set as membership_role_set_service
from comptoir.partners.services import company_archive_and_stop

router = Router(tags=["Entreprises"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


_company_for_edit = company_for_edit


def _company_for_members(request: HttpRequest, company_id: int) -> Company:
    company = company_get_for_user(user=request.auth, company_id=company_id)
    if not can_manage_members(request.auth, company):
        raise PermissionDenied(_("Vous ne pouvez pas gérer les utilisateurs de cette entreprise."))
    return company


def _company_for_invitations(request: HttpRequest, company_id: int) -> Company:
    company = company_get_for_user(user=request.auth, company_id=company_id)
    if not can_invite(request.auth):
        raise PermissionDenied(_("Vous ne pouvez pas inviter d'utilisateurs."))
    return company


def _archive_out(company: Company, cancelled: int = 0) -> dict:
    return company_archive_out(company, cancelled)


@router.post("/companies/{int:company_id}/archive", response={200: CompanyArchiveOut, **ERRORS},
             summary="Archiver une entreprise (lecture seule, ses envois en attente sont annulés)")
def company_archive_endpoint(request: HttpRequest, company_id: int):
    company = _company_for_edit(request, company_id)
    cancelled = company_archive_and_stop(company=company, actor=request.auth)
    return _archive_out(company, cancelled)


@router.post("/companies/{int:company_id}/unarchive", response={200: CompanyArchiveOut, **ERRORS},
             summary="Réactiver une entreprise archivée")
def company_unarchive_endpoint(request: HttpRequest, company_id: int):
    company = _company_for_edit(request, company_id)
    return _archive_out(company_unarchive(company=company, actor=request.auth))


# -- People -------------------------------------------------------------------------------------

def _member_out(membership) -> dict:
    return {"id": membership.pk, "email": membership.user.email, "full_name": membership.user.full_name,
            "role": membership.role}


@router.get("/companies/{int:company_id}/members", response={200: list[MemberOut], **ERRORS},
            summary="Utilisateurs d'une entreprise")
def member_list(request: HttpRequest, company_id: int, limit: Limit = 100, offset: Offset = 0):
    """Ses utilisateurs clients et les collaborateurs du cabinet qui la suivent, par adresse."""
    company = company_get_for_user(user=request.auth, company_id=company_id)
    members = membership_list_for_company(user=request.auth, company=company).order_by("user__email", "pk")
    return [_member_out(m) for m in members[offset:offset + limit]]


@router.patch("/companies/{int:company_id}/members/{int:membership_id}", response={200: MemberOut, **ERRORS},
              summary="Changer le rôle d'un utilisateur client")
def member_role_set(request: HttpRequest, company_id: int, membership_id: int, payload: MemberRoleIn):
    company = _company_for_members(request, company_id)
    membership = membership_get_for_company(user=request.auth, company=company, membership_id=membership_id)
    return _member_out(membership_role_set_service(membership=membership, role=payload.role, actor=request.auth))


@router.delete("/companies/{int:company_id}/members/{int:membership_id}", response={204: None, **ERRORS},
               summary="Retirer un utilisateur client (son compte est désactivé, ses documents restent)")
def member_remove(request: HttpRequest, company_id: int, membership_id: int):
    company = _company_for_members(request, company_id)
    membership = membership_get_for_company(user=request.auth, company=company, membership_id=membership_id)
    membership_remove(membership=membership, actor=request.auth)
    return Status(204, None)


@router.get("/companies/{int:company_id}/invitations", response={200: list[InvitationOut], **ERRORS},
            summary="Invitations en cours")
def invitation_list(request: HttpRequest, company_id: int, limit: Limit = 100, offset: Offset = 0):
    """Ni acceptées ni annulées, les expirées comprises (elles se renvoient), les plus récentes d'abord."""
    company = _company_for_invitations(request, company_id)
    invitations = invitation_list_open_for_company(user=request.auth, company=company).order_by("-created_at", "-pk")
    return list(invitations[offset:offset + limit])


@router.post("/companies/{int:company_id}/invitations", response={201: InvitationOut, **ERRORS},
             summary="Inviter un utilisateur client (le courriel part avec le lien)")
def invitation_create(request: HttpRequest, company_id: int, payload: InvitationIn):
    """Une adresse qui a déjà un compte : 400, rien n'est envoyé."""
    company = _company_for_invitations(request, company_id)
    try:
        validate_email(payload.email.strip())
    except ValidationError as error:
        raise ValidationError({"email": error.messages}) from error
    invitation = invitation_send(company=company, email=payload.email, role=payload.role, actor=request.auth)
    return Status(201, invitation)


@router.post("/companies/{int:company_id}/invitations/{int:invitation_id}/resend",
             response={200: InvitationOut, **ERRORS},
             summary="Renvoyer une invitation (nouveau lien, l'ancien ne fonctionne plus)")
def invitation_resend_endpoint(request: HttpRequest, company_id: int, invitation_id: int):
    company = _company_for_members(request, company_id)
    invitation = invitation_get_for_company(user=request.auth, company=company, invitation_id=invitation_id)
    return invitation_resend(invitation=invitation, actor=request.auth)


@router.delete("/companies/{int:company_id}/invitations/{int:invitation_id}", response={204: None, **ERRORS},
               summary="Annuler une invitation")
def invitation_cancel_endpoint(request: HttpRequest, company_id: int, invitation_id: int):
    company = _company_for_members(request, company_id)
    invitation = invitation_get_for_company(user=request.auth, company=company, invitation_id=invitation_id)
    invitation_cancel(invitation=invitation, actor=request.auth)
    return Status(204, None)


# -- The firm's branding (Paramètres → Cabinet) ---------------------------------------------------

def _firm_for_admin(request: HttpRequest) -> Firm:
    if not is_firm_admin(request.auth):
        raise PermissionDenied(_("Réservé aux administrateurs du cabinet."))
    return firm_for_user(user=request.auth)


def _firm_out(firm: Firm) -> dict:
    return {"name": firm.name, "slug": firm.slug, "primary_color": firm.primary_color,
            "accent_color": firm.accent_color, "sender_name": firm.sender_name, "has_logo": bool(firm.logo)}


@router.get("/firm", response={200: FirmOut, **ERRORS}, summary="Le cabinet : nom et image")
def firm_get(request: HttpRequest):
    firm = firm_for_user(user=request.auth)
    if firm is None:
        raise Http404
    return _firm_out(firm)


@router.patch("/firm", response={200: FirmOut, **ERRORS}, summary="Modifier le nom et les couleurs du cabinet")
def firm_patch(request: HttpRequest, payload: FirmIn):
    firm = _firm_for_admin(request)
    fields = {key: value for key, value in payload.dict(exclude_unset=True).items() if value is not None}
    return _firm_out(firm_branding_update(firm=firm, actor=request.auth, **fields))


@router.post("/firm/logo", response={200: FirmOut, **ERRORS}, summary="Remplacer le logo du cabinet")
def firm_logo_put(request: HttpRequest, file: File[UploadedFile]):
    """Champ multipart `file` : PNG, JPEG, GIF ou WebP de 2 Mo au plus, lu dans son contenu (400 sinon)."""
    firm = _firm_for_admin(request)
    # The same check as the settings form: size, and the image read by Pillow (never an SVG).
    try:
        logo = logo_checked(file)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from error
    return _firm_out(firm_branding_update(firm=firm, actor=request.auth, logo=logo))


@router.get("/firm/logo", response={200: bytes, **ERRORS}, summary="Le logo du cabinet",
            openapi_extra={"responses": {200: {"description": "L'image",
                                                 "content": {"image/*": {"schema": {"type": "string",
                                                                                    "format": "binary"}}}}}})
def firm_logo_get(request: HttpRequest):
    firm = firm_for_user(user=request.auth)
    if firm is None or not firm.logo:
        raise Http404
    content_type = mimetypes.guess_type(firm.logo.name)[0] or "application/octet-stream"
    response = FileResponse(firm.logo.open("rb"), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response



