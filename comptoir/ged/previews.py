"""Reading inside documents: a PDF's text layer (at deposit), first-page thumbnails and OCR (in the
worker). PDFs are rendered by PDFium (pypdfium2), images by Pillow, OCR by Tesseract (pytesseract,
French and English). Each is bounded in pages, pixels and time, so one hostile file cannot stall
the worker or fill its memory."""

import io
import logging
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image

from comptoir.ged.blobs import blob_open

logger = logging.getLogger(__name__)

TEXT_LAYER_MAX_PAGES = 200
TEXT_LAYER_MAX_BYTES = 100 * 1024 * 1024
OCR_MAX_PAGES = 10
OCR_TIMEOUT_SECONDS = 120
OCR_LANGUAGES = "fra+eng"
OCR_DPI = 200
THUMBNAIL_BOX = (240, 320)
# Pillow refuses bigger images ("decompression bombs"): about 12,000 × 12,000.
MAX_PIXELS = 150_000_000
RASTER_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "image/tiff", "image/bmp"}
PDF = "application/pdf"
# PDFium is not thread-safe (pypdfium2 says so): every call into it, from any thread of the worker or
# of a web process, goes through this lock. Without it, two threads rendering at once crash the process.
PDFIUM_LOCK = threading.RLock()


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
    import pypdfium2 as pdfium

    try:
        with _local_copy(key) as path, PDFIUM_LOCK:
            pdf = pdfium.PdfDocument(path)
            try:
                texts = []
                for index in range(min(len(pdf), TEXT_LAYER_MAX_PAGES)):
                    page = pdf[index]
                    textpage = page.get_textpage()
                    texts.append(textpage.get_text_bounded())
                    textpage.close()
                    page.close()
                return "\n".join(texts).replace("\x00", ""), len(pdf)
            finally:
                pdf.close()
    except Exception as error:  # a broken or encrypted PDF is still a document; it just has no text to index
        logger.info("no text layer read from %s: %r", key, error)
        return "", None


def _pdf_pages(path: Path, *, scale: float, max_pages: int) -> Iterator[Image.Image]:
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(path)
        count = len(pdf)
    try:
        for index in range(min(count, max_pages)):
            with PDFIUM_LOCK:
                page = pdf[index]
                width, height = page.get_size()
                # Never more than MAX_PIXELS per page, whatever size the page claims.
                bounded = min(scale, (MAX_PIXELS / max(width * height, 1)) ** 0.5)
                image = page.render(scale=bounded).to_pil()
                page.close()
            yield image  # outside the lock: OCR of this page does not hold up other threads
    finally:
        with PDFIUM_LOCK:
            pdf.close()


def _raster(path: Path) -> Image.Image:
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    image = Image.open(path)
    image.load()
    return image


def thumbnail_render(*, key: str, content_type: str) -> bytes | None:
    """A PNG of the first page (PDF) or of the image, fitting THUMBNAIL_BOX; None for other types."""
    if content_type != PDF and content_type not in RASTER_TYPES:
        return None
    with _local_copy(key) as path:
        if content_type == PDF:
            image = next(_pdf_pages(path, scale=0.5, max_pages=1), None)
            if image is None:
                return None
        else:
            image = _raster(path)
        image = image.convert("RGB")
        image.thumbnail(THUMBNAIL_BOX)
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
        return out.getvalue()


def ocr_read(*, key: str, content_type: str) -> tuple[str, int]:
    """(text, pages read) by Tesseract, for scans and photos."""
    if content_type != PDF and content_type not in RASTER_TYPES:
        return "", 0
    import pytesseract

    texts = []
    with _local_copy(key) as path:
        pages = _pdf_pages(path, scale=OCR_DPI / 72, max_pages=OCR_MAX_PAGES) if content_type == PDF \
            else iter([_raster(path)])
        for image in pages:
            texts.append(pytesseract.image_to_string(image.convert("RGB"), lang=OCR_LANGUAGES,
                                                     timeout=OCR_TIMEOUT_SECONDS))
    return "\n".join(texts), len(texts)


def pdf_page_render(*, key: str, page_number: int, width: int = 1000) -> bytes | None:
    """One page of a PDF as a PNG about `width` pixels wide, for the preview pane; None if no such page."""
    import pypdfium2 as pdfium

    with _local_copy(key) as path, PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(path)
        try:
            if not 1 <= page_number <= len(pdf):
                return None
            page = pdf[page_number - 1]
            page_width, page_height = page.get_size()
            scale = min(width / max(page_width, 1), (MAX_PIXELS / max(page_width * page_height, 1)) ** 0.5)
            image = page.render(scale=scale).to_pil()
            page.close()
        finally:
            pdf.close()
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG", optimize=True)
    return out.getvalue()
