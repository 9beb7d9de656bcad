"""Document requests (#18): the firm asks, the client answers, the firm reviews. Bare JSON lists, `limit`/`offset`."""

from datetime import date, datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, UploadedFile
from ninja.responses import Status

from comptoir.accounts.models import User
from comptoir.api.pagination import Limit, Offset
from comptoir.api.schemas import ErrorOut
from comptoir.core.errors import PermissionDenied
from comptoir.docrequests.addresses import request_address
from comptoir.docrequests.models import DocumentRequest
from comptoir.docrequests.selectors import docrequest_get_for_user, docrequest_list_for_user, template_list_for_user
from comptoir.docrequests.services import (
    docrequest_answer_deposit,
    docrequest_close,
    docrequest_create,
    docrequest_item_unavailable,
    docrequest_send_back,
    template_create,
)
from comptoir.firms.selectors import company_get_for_user
from comptoir.ged.models import Channel
from comptoir.ged.selectors import folder_get_for_user

router = Router(tags=["Demandes de documents"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
MAX_LIMIT = 200


class ItemOut(Schema):
    id: int
    label: str
    status: str
    comment: str


class AnswerOut(Schema):
    id: int
    item_id: int | None
    document_id: int | None
    comment: str
    channel: str
    created_at: datetime


class RequestOut(Schema):
    id: int
    company_id: int
    title: str
    description: str
    folder_id: int
    due_date: date
    status: str
    reminder_offsets: list[int]
    repeat_days: int
    review_comment: str
    address: str
    addressee_ids: list[int]
    items: list[ItemOut]
    answers: list[AnswerOut]


class RequestIn(Schema):
    company_id: int
    title: str
    due_date: date
    description: str = ""
    folder_id: int | None = None
    addressee_ids: list[int] | None = None
    items: list[str] = []
    reminder_offsets: list[int] | None = None
    repeat_days: int | None = None


class CommentIn(Schema):
    comment: str = ""


class UnavailableIn(Schema):
    item_id: int | None = None
    comment: str


def _out(request: DocumentRequest) -> dict:
    return {**{field: getattr(request, field) for field in (
        "id", "company_id", "title", "description", "folder_id", "due_date", "status", "reminder_offsets",
        "repeat_days", "review_comment")},
        "address": request_address(request.token),
        "addressee_ids": [user.pk for user in request.addressees.all()],
        "items": list(request.items.all()), "answers": list(request.answers.all())}


def _fresh(user: User, request_id: int) -> dict:
    return _out(docrequest_get_for_user(user=user, request_id=request_id))


@router.get("/requests", response={200: list[RequestOut], **ERRORS}, summary="Demandes visibles")
def request_list(request: HttpRequest, company_id: int | None = None, status: str = "", limit: Limit = 50,
                 offset: Offset = 0):
    """`status` : open, overdue, provided, closed. Liste nue, paginée par `limit` et `offset` (docs/api.md)."""
    company = company_get_for_user(user=request.auth, company_id=company_id) if company_id else None
    rows = docrequest_list_for_user(user=request.auth, company=company, status=status)[offset:offset + limit]
    return [_out(row) for row in rows]


@router.post("/requests", response={201: RequestOut, **ERRORS}, summary="Demander des documents")
def request_create(request: HttpRequest, payload: RequestIn):
    """Réservé au cabinet (403 pour un client). Sans destinataires : tous les utilisateurs de l'entreprise."""
    user = request.auth
    company = company_get_for_user(user=user, company_id=payload.company_id)
    folder = folder_get_for_user(user=user, folder_id=payload.folder_id) if payload.folder_id else None
    addressees = None
    if payload.addressee_ids is not None:
        addressees = list(User.objects.filter(pk__in=payload.addressee_ids, membership__company=company))
        if len(addressees) != len(set(payload.addressee_ids)):
            raise PermissionDenied(_("Les destinataires sont des utilisateurs de cette entreprise."), status=400)
    created = docrequest_create(company=company, title=payload.title, due_date=payload.due_date, actor=user,
                                folder=folder, description=payload.description, addressees=addressees,
                                items=payload.items, reminder_offsets=payload.reminder_offsets,
                                repeat_days=payload.repeat_days)
    return Status(201, _fresh(user, created.pk))


@router.get("/requests/{int:request_id}", response={200: RequestOut, **ERRORS}, summary="Une demande")
def request_detail(request: HttpRequest, request_id: int):
    return _fresh(request.auth, request_id)


@router.post("/requests/{int:request_id}/documents", response={201: RequestOut, **ERRORS, 413: ErrorOut,
                                                                 415: ErrorOut}, summary="Fournir un document")
def request_answer_document(request: HttpRequest, request_id: int, file: File[UploadedFile],
                            item_id: Form[int | None] = None):
    """Champ multipart `file` (et `item_id` facultatif) : déposé dans le dossier cible, la pièce est fournie."""
    docrequest = docrequest_get_for_user(user=request.auth, request_id=request_id)
    docrequest_answer_deposit(request=docrequest, file=file, actor=request.auth, item_id=item_id,
                              channel=Channel.API, filename=file.name)
    return Status(201, _fresh(request.auth, request_id))


@router.post("/requests/{int:request_id}/unavailable", response={200: RequestOut, **ERRORS},
             summary="Je n'ai pas ce document")
def request_answer_unavailable(request: HttpRequest, request_id: int, payload: UnavailableIn):
    docrequest = docrequest_get_for_user(user=request.auth, request_id=request_id)
    docrequest_item_unavailable(request=docrequest, item_id=payload.item_id, comment=payload.comment,
                                actor=request.auth)
    return _fresh(request.auth, request_id)


@router.post("/requests/{int:request_id}/close", response={200: RequestOut, **ERRORS}, summary="Clôturer")
def request_close(request: HttpRequest, request_id: int, payload: CommentIn):
    docrequest = docrequest_get_for_user(user=request.auth, request_id=request_id)
    docrequest_close(request=docrequest, actor=request.auth, comment=payload.comment)
    return _fresh(request.auth, request_id)


@router.post("/requests/{int:request_id}/send-back", response={200: RequestOut, **ERRORS},
             summary="Renvoyer au client")
def request_send_back(request: HttpRequest, request_id: int, payload: CommentIn):
    docrequest = docrequest_get_for_user(user=request.auth, request_id=request_id)
    docrequest_send_back(request=docrequest, actor=request.auth, comment=payload.comment)
    return _fresh(request.auth, request_id)


class TemplateIn(Schema):
    title: str
    frequency: str = "monthly"
    day: int = 1
    month: int = 1
    due_days: int = 10
    folder_role: str = "banque"
    description: str = ""
    items: list[str] = []
    company_ids: list[int] = []
    reminder_offsets: list[int] | None = None
    repeat_days: int | None = None


class TemplateOut(Schema):
    id: int
    title: str
    frequency: str
    day: int
    month: int
    due_days: int
    folder_role: str
    items: list[str]
    company_ids: list[int]
    reminder_offsets: list[int]
    repeat_days: int


def _template_out(template) -> dict:
    return {**{field: getattr(template, field) for field in (
        "id", "title", "frequency", "day", "month", "due_days", "folder_role", "items", "reminder_offsets",
        "repeat_days")}, "company_ids": [company.pk for company in template.companies.all()]}


@router.get("/request-templates", response={200: list[TemplateOut], **ERRORS}, summary="Demandes récurrentes")
def template_list(request: HttpRequest, limit: Limit = 50, offset: Offset = 0):
    """Les modèles du cabinet (liste vide pour un client). Liste nue, `limit` et `offset` (docs/api.md)."""
    return [_template_out(t) for t in template_list_for_user(user=request.auth)[offset:offset + limit]]


@router.post("/request-templates", response={201: TemplateOut, **ERRORS}, summary="Créer une demande récurrente")
def template_new(request: HttpRequest, payload: TemplateIn):
    """Réservé au cabinet (403 pour un client) ; les entreprises abonnées sont celles du cabinet."""
    user = request.auth
    companies = [company_get_for_user(user=user, company_id=pk) for pk in dict.fromkeys(payload.company_ids)]
    data = payload.dict(exclude={"company_ids"})
    template = template_create(actor=user, companies=companies, **data)
    return Status(201, _template_out(template))
