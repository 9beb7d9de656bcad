"""Several documents as one zip, streamed: each file is read from storage in chunks while the
archive is being sent, so a gigabyte of documents costs a few megabytes of memory."""

from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse
from django.utils import timezone
from zipstream import ZIP_STORED, ZipStream

from comptoir.ged.blobs import blob_open
from comptoir.ged.models import Document

CHUNK = 1024 * 1024


def _chunks(key: str) -> Iterator[bytes]:
    # Opened only when the archive reaches this file, and closed right after.
    with blob_open(key) as source:
        while chunk := source.read(CHUNK):
            yield chunk


def _unique(name: str, taken: set[str]) -> str:
    candidate, counter = name, 2
    stem, dot, extension = name.rpartition(".")
    while candidate.lower() in taken:
        candidate = f"{stem} ({counter}).{extension}" if dot else f"{name} ({counter})"
        counter += 1
    taken.add(candidate.lower())
    return candidate


def documents_zip(*, documents: Iterable[Document], prefixes: dict[int, str] | None = None) -> ZipStream:
    """A stream of the zip (iterate it; `len()` is its exact size). Files are stored as they are
    (PDFs and photos are compressed already); `prefixes` puts a document under a folder path."""
    archive = ZipStream(compress_type=ZIP_STORED, sized=True)
    taken: set[str] = set()
    for document in documents:
        prefix = (prefixes or {}).get(document.pk, "")
        name = _unique(f"{prefix}/{document.name}" if prefix else document.name, taken)
        archive.add(_chunks(document.blob), name, size=document.size)
    return archive


def documents_zip_response(*, documents: list[Document]) -> StreamingHttpResponse:
    """The zip as a download, for the web page and the API alike."""
    archive = documents_zip(documents=documents)
    response = StreamingHttpResponse(archive, content_type="application/zip")
    response["Content-Length"] = str(len(archive))
    response["Content-Disposition"] = f'attachment; filename="documents-{timezone.localdate():%Y-%m-%d}.zip"'
    response["Cache-Control"] = "private, no-store"
    return response
