"""Documents: deposit into a folder, read, download, move."""

from functools import wraps

from django.conf import settings
from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Router, UploadedFile
from ninja.decorators import decorate_view
from ninja.responses import Status

from comptoir.api.errors import error_response
from comptoir.api.schemas import DocumentDetailOut, DocumentMoveIn, DocumentOut, ErrorOut
from comptoir.ged.blobs import blob_open
from comptoir.ged.models import Channel, Document
from comptoir.ged.selectors import document_get_for_user, folder_get_for_user
from comptoir.ged.services import document_deposit, document_move
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


def _deliveries(document: Document) -> list[dict]:
    return [
        {"id": delivery.pk, "app": delivery.app_slug, "destination": delivery.destination.key,
         "address": delivery.destination.address, "status": delivery.status, "reason": delivery.reason,
         "attempts": delivery.attempts, "last_error": delivery.last_error, "sent_at": delivery.sent_at,
         "created_at": delivery.created_at}
        for delivery in delivery_list_for_document(document=document)
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


@router.get("/documents/{int:document_id}", response={200: DocumentDetailOut, **ERRORS}, summary="Un document")
def document_detail(request: HttpRequest, document_id: int):
    document = document_get_for_user(user=request.auth, document_id=document_id)
    return {**DocumentOut.from_orm(document).dict(), "deliveries": _deliveries(document)}


@router.get("/documents/{int:document_id}/content", response={200: bytes, **ERRORS},
            summary="Télécharger un document")
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
