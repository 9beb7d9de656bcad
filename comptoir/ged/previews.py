"""Reading inside documents: a PDF's text layer (at deposit), first-page thumbnails and OCR (in the
worker), page images for the preview pane (in the web). The pixels and words come from
`ged.render`, within its budgets of pages, pixels and time, so one hostile file stays cheap.

Where each runs: thumbnails and OCR, the background's CPU-heavy work, in the render process
(`ged.render_process`: lower priority, its own memory and CPU limits); the text layer and the
preview pane's pages, which a person waits for, in the calling process under `render.PDFIUM_LOCK`,
bounded by the same budgets (a preview is at most PREVIEW_MAX_PIXELS whatever the page claims).
"""

import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from comptoir.ged import render
from comptoir.ged.blobs import blob_open
from comptoir.ged.render import PDF, RASTER_TYPES  # noqa: F401 (the GED's names for them)
from comptoir.ged.render_process import render_call

logger = logging.getLogger(__name__)

TEXT_LAYER_MAX_BYTES = 100 * 1024 * 1024
THUMBNAIL_TIMEOUT_SECONDS = 30.0


@contextmanager
def _local_copy(key: str) -> Iterator[Path]:
    """The blob as a local file (PDFium reads by path), copied in chunks whatever the storage."""
    with tempfile.NamedTemporaryFile(prefix="comptoir-", suffix=".bin") as local:
        with blob_open(key) as source:
            shutil.copyfileobj(source, local, 1024 * 1024)
        local.flush()
        yield Path(local.name)


def pdf_text_layer(*, key: str, size: int) -> tuple[str, int | None]:
    """(the text a PDF carries, its page count); empty text for a scan, None pages when unreadable."""
    if size > TEXT_LAYER_MAX_BYTES:
        return "", None
    try:
        with _local_copy(key) as path:
            return render.text_layer(path=str(path))
    except Exception as error:  # a broken or encrypted PDF is still a document; it just has no text to index
        logger.info("no text layer read from %s: %r", key, error)
        return "", None


def thumbnail_render(*, key: str, content_type: str) -> bytes | None:
    """A PNG of the first page (PDF) or of the image, fitting THUMBNAIL_BOX; None for other types.
    Raises `RenderFailed` when the render process gives no result."""
    if content_type != PDF and content_type not in RASTER_TYPES:
        return None
    with _local_copy(key) as path:
        return render_call("thumbnail_png", path=str(path), content_type=content_type,
                           timeout=THUMBNAIL_TIMEOUT_SECONDS)


def ocr_read(*, key: str, content_type: str) -> tuple[str, int]:
    """(text, pages read) by Tesseract, for scans and photos, within the OCR budgets."""
    if content_type != PDF and content_type not in RASTER_TYPES:
        return "", 0
    with _local_copy(key) as path:
        return render_call("ocr_text", path=str(path), content_type=content_type,
                           timeout=render.OCR_TIME_BUDGET_SECONDS + 15)


def pdf_page_render(*, key: str, page_number: int, width: int = 1000) -> bytes | None:
    """One page of a PDF as a PNG about `width` pixels wide, for the preview pane; None if no such page."""
    with _local_copy(key) as path:
        return render.page_png(path=str(path), page_number=page_number, width=width)
