"""What the GED reads in a document: recorded at deposit (text layer, index row), completed in the
background (thumbnail, OCR) by `ged.tasks.document_extract_process`, which takes the document's id."""

import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.tasks import task_backends

from comptoir.core.services import audit_event_record
from comptoir.ged import previews
from comptoir.ged.models import Document, DocumentExtract, ExtractState
from comptoir.ged.search.backends import index_write
from comptoir.ged.search.index import document_indexable_row, search_index_documents
from comptoir.ged.selectors import folder_display_path

logger = logging.getLogger(__name__)


def _previewable(content_type: str) -> bool:
    return content_type == previews.PDF or content_type in previews.RASTER_TYPES


def _enqueue(document_id: int) -> None:
    from comptoir.ged.tasks import document_extract_process

    if type(task_backends[document_extract_process.backend]).__module__.startswith("django_tasks_db"):
        # The task row commits with the document: a stored document always gets its thumbnail and OCR.
        document_extract_process.enqueue(document_id)
    else:
        transaction.on_commit(lambda: document_extract_process.enqueue(document_id))


def document_extract_start(*, document: Document, text_layer: str, page_count: int | None = None) -> DocumentExtract:
    """Inside the deposit's transaction: the document is searchable by name, path and text layer as
    soon as it commits; thumbnail and OCR (for scans and photos) are queued for the worker."""
    previewable = _previewable(document.content_type)
    needs_ocr = document.content_type in previews.RASTER_TYPES or (
        document.content_type == previews.PDF and not text_layer.strip())
    extract = DocumentExtract.objects.create(
        document=document, text_layer=text_layer, page_count=page_count,
        ocr_state=ExtractState.PENDING if needs_ocr else ExtractState.NONE,
        thumbnail_state=ExtractState.PENDING if previewable else ExtractState.NONE)
    document.extract = extract
    index_write([document_indexable_row(document=document, folder_path=folder_display_path(folder=document.folder))])
    if previewable:
        _enqueue(document.pk)
    return extract


def document_extract_copy(*, source: Document, copy: Document) -> None:
    """A copy reads the same: its extract is the original's (the bytes are the same)."""
    try:
        original = source.extract
    except DocumentExtract.DoesNotExist:
        document_extract_start(document=copy, text_layer="")
        return
    copy.extract = DocumentExtract.objects.create(
        document=copy, text_layer=original.text_layer, page_count=original.page_count,
        ocr_text=original.ocr_text, ocr_state=original.ocr_state,
        thumbnail=original.thumbnail, thumbnail_state=original.thumbnail_state)
    index_write([document_indexable_row(document=copy, folder_path=folder_display_path(folder=copy.folder))])
    if ExtractState.PENDING in (original.ocr_state, original.thumbnail_state):
        _enqueue(copy.pk)


def _thumbnail_make(document: Document, extract: DocumentExtract) -> None:
    try:
        png = previews.thumbnail_render(key=document.blob, content_type=document.content_type)
    except Exception:
        logger.warning("thumbnail of document %s failed", document.pk, exc_info=True)
        extract.thumbnail_state = ExtractState.FAILED
        return
    if png is None:
        extract.thumbnail_state = ExtractState.NONE
        return
    extract.thumbnail = default_storage.save(f"thumbnails/{document.company_id}/{document.pk}.png", ContentFile(png))
    extract.thumbnail_state = ExtractState.READY


def _ocr_make(document: Document, extract: DocumentExtract) -> int:
    try:
        text, pages = previews.ocr_read(key=document.blob, content_type=document.content_type)
    except Exception:
        logger.warning("OCR of document %s failed", document.pk, exc_info=True)
        extract.ocr_state = ExtractState.FAILED
        return 0
    extract.ocr_text = text.replace("\x00", "")
    extract.ocr_state = ExtractState.READY
    return pages


def document_extract_run(*, document_id: int) -> str:
    """The background half: thumbnail, then OCR, then the index. Running it twice does nothing twice."""
    extract = DocumentExtract.objects.select_related("document", "document__company").filter(
        document_id=document_id).first()
    if extract is None:
        return "missing"
    document = extract.document
    pages = 0
    if extract.thumbnail_state == ExtractState.PENDING:
        _thumbnail_make(document, extract)
    if extract.ocr_state == ExtractState.PENDING:
        pages = _ocr_make(document, extract)
    with transaction.atomic():
        extract.save(update_fields=["thumbnail", "thumbnail_state", "ocr_text", "ocr_state", "updated_at"])
        search_index_documents(document_ids=[document.pk])
        audit_event_record(actor=None, action="document.extract", target=document, firm_id=document.company.firm_id,
                           data={"thumbnail": extract.thumbnail_state, "ocr": extract.ocr_state, "ocr_pages": pages})
    return f"thumbnail={extract.thumbnail_state} ocr={extract.ocr_state}"
