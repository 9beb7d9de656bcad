"""Background work of the GED, run by `comptoir worker`: thumbnails and OCR after a deposit.
Only the document's id travels; the bytes are read from storage."""

from django.tasks import task


@task()
def document_extract_process(document_id: int) -> str:
    from comptoir.ged.services.extracts import document_extract_run

    return document_extract_run(document_id=document_id)
