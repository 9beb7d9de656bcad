"""Documents: a folder's list, deposit, read, download, rename, move, copy, trash, restore; search; bulk actions."""

from datetime import date
from functools import wraps

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Query, Router, UploadedFile
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from ninja.responses import Status

from comptoir.api.errors import error_response
from comptoir.api.pagination import Limit, Offset
from comptoir.api.schemas import (
    BulkItemOut,
    DocumentBulkMoveIn,
    DocumentDetailOut,
    DocumentIdsIn,
    DocumentMoveIn,
    DocumentOut,
    DocumentTargetIn,
    ErrorOut,
    NameIn,
    RowId,
    SearchHitOut,
)
from comptoir.firms.selectors import company_get_for_user
from comptoir.ged.archives import documents_zip_response
from comptoir.ged.blobs import blob_open
from comptoir.ged.list_options import DEFAULT_SORT, SORT_PARAM, document_list_options
from comptoir.ged.listings import document_filters_read, document_list_filtered
from comptoir.ged.models import Channel, Document
from comptoir.ged.search.selectors import document_search_for_user
from comptoir.ged.search.text import search_terms
from comptoir.ged.selectors import (
    document_get_for_user,
    document_list_by_ids_for_user,
    folder_get_for_user,
)
from comptoir.ged.services import (
    document_copy,
    document_deposit,
    document_move,
    document_rename,
    document_restore,
    document_trash,
    documents_bulk_move,
    documents_bulk_restore,
    documents_bulk_trash,
)
from comptoir.invoices.selectors import (
    invoice_api_dict,
    invoice_facts_for_document,
    invoice_status_for,
    invoice_unreadable_reason,
)
from comptoir.partners.receivables import receivable_api_dict, receivable_for_document
from comptoir.partners.selectors import delivery_list_for_document

router = Router(tags=["GED"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
# Room for the multipart envelope (boundaries, part headers) around the file itself.
MULTIPART_OVERHEAD = 64 * 1024
MAX_IDEMPOTENCY_KEY = 100


def _refuse_oversized_body(run):
    """Answer 413 from the declared length, before the body is read and spooled to disk."""

    @wraps(run)
    def wrapper(request: HttpRequest, *args, **kwargs):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > settings.COMPTOIR_MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD:
            return error_response(status=413, detail=_("Le fichier dépasse la taille maximale autorisée."))
        return run(request, *args, **kwargs)

    return wrapper


def _deliveries(request: HttpRequest, document: Document) -> list[dict]:
    return [
        {"id": delivery.pk, "app": delivery.app_slug, "destination": delivery.destination.key,
         "address": delivery.destination.address, "status": delivery.status, "reason": delivery.reason,
         "attempts": delivery.attempts, "last_error": delivery.last_error, "sent_at": delivery.sent_at,
         "created_at": delivery.created_at}
        for delivery in delivery_list_for_document(user=request.auth, document=document)
    ]


@router.post("/folders/{int:folder_id}/documents",
             response={201: DocumentOut, **ERRORS, 413: ErrorOut, 415: ErrorOut},
             summary="Déposer un document")
@decorate_view(_refuse_oversized_body)
def document_upload(request: HttpRequest, folder_id: int, file: File[UploadedFile]):
    """Champ multipart `file`. Le type est lu dans le contenu, pas dans le nom : un programme est refusé (415).

    En-tête facultatif `Idempotency-Key` (1 à 100 caractères) : une requête rejouée avec la même clé
    renvoie le premier document, sans en créer un second.
    """
    folder = folder_get_for_user(user=request.auth, folder_id=folder_id)
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (0 < len(key.strip()) <= MAX_IDEMPOTENCY_KEY):
        return error_response(status=400, error="invalid_idempotency_key",
                              detail=_("L'en-tête Idempotency-Key doit faire de 1 à 100 caractères."))
    document = document_deposit(folder=folder, file=file, channel=Channel.API, actor=request.auth,
                                filename=file.name,
                                idempotency_key=f"api:{request.auth.pk}:{key.strip()}" if key else None)
    return Status(201, document)


def _list_option_parameters() -> list[dict]:
    """The registry's sorts and filters as documented query parameters (filled at start-up, before the URLconf)."""
    sorts = ", ".join(key for sort in document_list_options.sorts for key, _label in sort.options())
    parameters = [{"in": "query", "name": SORT_PARAM, "required": False, "schema": {"type": "string"},
                   "description": f"Tri : {sorts} (défaut {DEFAULT_SORT})"},
                  {"in": "query", "name": "sous_dossiers", "required": False, "schema": {"type": "string"},
                   "description": "1 : tout le sous-arbre du dossier"}]
    for item in document_list_options.filters:
        values = ", ".join(value for value, _label in item.choices)
        parameters.append({"in": "query", "name": item.key, "required": False, "schema": {"type": "string"},
                           "description": item.label + (f" ({values})" if values else f" ({item.input_type})")})
    return parameters


@router.get("/folders/{int:folder_id}/documents", response={200: list[DocumentOut], **ERRORS},
            summary="Documents d'un dossier", openapi_extra={"parameters": _list_option_parameters()})
def folder_document_list(request: HttpRequest, folder_id: int, limit: Limit = 100, offset: Offset = 0):
    """Les documents du dossier, triés et filtrés comme dans la GED (mêmes paramètres que la page :
    `tri`, `canal`, `depose_par`, `type`, `du`, `au`, `envoi`, `montant_min`…). Une valeur illisible est
    ignorée. Dossier hors de portée : 404."""
    folder = folder_get_for_user(user=request.auth, folder_id=folder_id)
    documents = document_list_filtered(user=request.auth, folder=folder, filters=document_filters_read(request.GET))
    return list(documents[offset:offset + limit])


@router.get("/documents/{int:document_id}", response={200: DocumentDetailOut, **ERRORS}, summary="Un document")
def document_detail(request: HttpRequest, document_id: int):
    document = document_get_for_user(user=request.auth, document_id=document_id)
    facts = invoice_facts_for_document(document=document)
    return {**DocumentOut.from_orm(document).dict(), "deliveries": _deliveries(request, document),
            "invoice_status": invoice_status_for(facts), "invoice": invoice_api_dict(facts),
            "invoice_unreadable_reason": invoice_unreadable_reason(facts),
            "receivable": receivable_api_dict(receivable_for_document(document=document))}


@router.get("/documents/{int:document_id}/content", response={200: bytes, **ERRORS},
            summary="Télécharger un document",
            # The bytes as stored, with the type sniffed at deposit (PDF, images, zip…).
            openapi_extra={"responses": {200: {"description": "Le fichier",
                                                 "content": {"*/*": {"schema": {"type": "string",
                                                                                "format": "binary"}}}}}})
def document_content(request: HttpRequest, document_id: int):
    document = document_get_for_user(user=request.auth, document_id=document_id)
    # Streamed from storage chunk by chunk; never read whole into memory.
    return FileResponse(blob_open(document.blob), as_attachment=True, filename=document.name,
                        content_type=document.content_type)


@router.post("/documents/{int:document_id}/move", response={200: DocumentOut, **ERRORS},
             summary="Déplacer un document")
def document_relocate(request: HttpRequest, document_id: int, payload: DocumentMoveIn):
    document = document_get_for_user(user=request.auth, document_id=document_id)
    folder = folder_get_for_user(user=request.auth, folder_id=payload.folder_id)
    return document_move(document=document, folder=folder, actor=request.auth)


# -- Search and bulk actions ---------------------------------------------------------------------

@router.get("/search", response={200: list[SearchHitOut], **ERRORS}, summary="Rechercher des documents")
def document_search(request: HttpRequest, q: str = Query(..., min_length=1, max_length=200),
                    company: RowId | None = None, folder: RowId | None = None, since: date | None = None,
                    until: date | None = None, limit: int = Query(20, ge=1, le=100),
                    offset: int = Query(0, ge=0, le=10_000)):
    """Chaque mot de `q` doit apparaître (au début d'un mot, sans tenir compte des majuscules ni des
    accents) dans le nom, le chemin du dossier ou le texte du document. `folder` couvre tout son
    sous-arbre. Une entreprise ou un dossier hors de portée : 404."""
    if not search_terms(q):
        raise HttpError(422, _("La recherche ne contient aucun mot."))
    company_obj = company_get_for_user(user=request.auth, company_id=company) if company else None
    folder_obj = folder_get_for_user(user=request.auth, folder_id=folder) if folder else None
    hits = document_search_for_user(user=request.auth, query=q, company=company_obj, folder=folder_obj,
                                    since=since, until=until, limit=limit, offset=offset)
    return [{"id": hit.document.pk, "name": hit.document.name, "folder_id": hit.document.folder_id,
             "folder_path": hit.folder_path, "company_id": hit.document.company_id, "snippet": hit.snippet}
            for hit in hits]


def _outcomes(outcomes) -> list[dict]:
    return [{"id": outcome.document.pk, "ok": outcome.ok, "error": outcome.error_code or None,
             "detail": outcome.error} for outcome in outcomes]


@router.post("/documents/bulk/move", response={200: list[BulkItemOut], **ERRORS},
             summary="Déplacer plusieurs documents")
def documents_move(request: HttpRequest, payload: DocumentBulkMoveIn):
    """Chaque document passe par le même service qu'un déplacement seul (un dossier relié à un
    partenaire l'envoie une fois par document). Un identifiant hors de portée : 404, rien n'est fait."""
    documents = document_list_by_ids_for_user(user=request.auth, document_ids=payload.document_ids)
    folder = folder_get_for_user(user=request.auth, folder_id=payload.folder_id)
    return _outcomes(documents_bulk_move(documents=documents, folder=folder, actor=request.auth))


@router.post("/documents/bulk/trash", response={200: list[BulkItemOut], **ERRORS},
             summary="Mettre plusieurs documents à la corbeille")
def documents_trash(request: HttpRequest, payload: DocumentIdsIn):
    documents = document_list_by_ids_for_user(user=request.auth, document_ids=payload.document_ids)
    return _outcomes(documents_bulk_trash(documents=documents, actor=request.auth))


@router.post("/documents/bulk/restore", response={200: list[BulkItemOut], **ERRORS},
             summary="Restaurer plusieurs documents de la corbeille")
def documents_restore(request: HttpRequest, payload: DocumentIdsIn):
    documents = document_list_by_ids_for_user(user=request.auth, document_ids=payload.document_ids, trashed=True)
    return _outcomes(documents_bulk_restore(documents=documents, actor=request.auth))


@router.post("/documents/bulk/zip", response={200: bytes, **ERRORS}, summary="Télécharger plusieurs documents (zip)",
             # The answer is the archive itself, not JSON: the schema says so (schemathesis checks the type).
             openapi_extra={"responses": {200: {"description": "L'archive zip",
                                                  "content": {"application/zip": {"schema": {"type": "string",
                                                                                             "format": "binary"}}}}}})
def documents_zip_download(request: HttpRequest, payload: DocumentIdsIn):
    """Un zip envoyé au fil de l'eau (jamais construit en mémoire), de taille annoncée (Content-Length)."""
    documents = document_list_by_ids_for_user(user=request.auth, document_ids=payload.document_ids)
    return documents_zip_response(documents=documents)


# -- Folders: the same services (and policy) as the GED pages ------------------------------------

# -- One document: the same services (and policy) as the document menu ---------------------------

@router.post("/documents/{int:document_id}/rename", response={200: DocumentOut, **ERRORS},
             summary="Renommer un document")
def document_rename_endpoint(request: HttpRequest, document_id: int, payload: NameIn):
    document = document_get_for_user(user=request.auth, document_id=document_id)
    return document_rename(document=document, name=payload.name, actor=request.auth)


@router.post("/documents/{int:document_id}/copy", response={201: DocumentOut, **ERRORS},
             summary="Copier un document dans un dossier")
def document_copy_endpoint(request: HttpRequest, document_id: int, payload: DocumentTargetIn):
    """La copie est un nouveau document (les switches du dossier cible s'appliquent)."""
    document = document_get_for_user(user=request.auth, document_id=document_id)
    folder = folder_get_for_user(user=request.auth, folder_id=payload.folder_id)
    return Status(201, document_copy(document=document, folder=folder, actor=request.auth))


@router.post("/documents/{int:document_id}/trash", response={200: DocumentOut, **ERRORS},
             summary="Mettre un document à la corbeille")
def document_trash_endpoint(request: HttpRequest, document_id: int):
    document = document_get_for_user(user=request.auth, document_id=document_id)
    return document_trash(document=document, actor=request.auth)


@router.post("/documents/{int:document_id}/restore", response={200: DocumentOut, **ERRORS},
             summary="Restaurer un document de la corbeille")
def document_restore_endpoint(request: HttpRequest, document_id: int):
    """Un document qui n'est pas à la corbeille : 404. Son dossier à la corbeille : 400."""
    document = document_get_for_user(user=request.auth, document_id=document_id, include_trashed=True)
    if document.deleted_at is None:
        raise Http404
    return document_restore(document=document, actor=request.auth)
