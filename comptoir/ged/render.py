"""Turning a local file into pixels or words, within budgets: PDFium (pypdfium2) renders PDFs, Pillow
opens images, Tesseract (pytesseract) reads them. No Django here: the render process
(`render_process`) imports this module alone.

Every render is sized *before* PDFium draws it. A page may claim any size (a 579-byte PDF can say
`/MediaBox [0 0 2 14400]`, or 4,409 points square, which is 12,248 pixels a side at 200 dpi), so the
scale asked for is lowered until the bitmap fits a pixel budget and a longest side: a hostile page
costs what a normal one does. OCR also has a time budget for the whole document beside its page
count: what was read when it runs out is kept.

PDFium is not thread-safe (pypdfium2 says so), even across documents: every call into it holds
`PDFIUM_LOCK`.
"""

import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from PIL import Image

PDF = "application/pdf"
RASTER_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "image/tiff", "image/bmp"}

# Budgets per render. A 1000-px-wide preview of an A4 page is 1.4 MP; an A4 page at 200 dpi is 3.9 MP.
PREVIEW_MAX_PIXELS = 4_000_000
OCR_MAX_PIXELS = 4_000_000
MAX_SIDE = 8_000
THUMBNAIL_BOX = (240, 320)
# An image file is opened only below this (a 50 MP photo is 150 MB decoded); it is then reduced to the
# budget of what it is opened for before any work on its pixels.
RASTER_MAX_PIXELS = 50_000_000

TEXT_LAYER_MAX_PAGES = 200
OCR_MAX_PAGES = 10
OCR_TIME_BUDGET_SECONDS = 60.0  # the whole document
OCR_PAGE_TIMEOUT_SECONDS = 30.0
OCR_LANGUAGES = "fra+eng"
OCR_DPI = 200

PDFIUM_LOCK = threading.RLock()


class TooLarge(ValueError):
    """An image whose header declares more pixels than RASTER_MAX_PIXELS: never decoded."""


def scale_within(*, width: float, height: float, scale: float, max_pixels: int, max_side: int = MAX_SIDE) -> float:
    """`scale`, or less, so that a `width` × `height` page (points) renders within the budgets."""
    width, height = max(width, 1.0), max(height, 1.0)
    return min(scale, (max_pixels / (width * height)) ** 0.5, max_side / max(width, height))


def _reduce_within(image: Image.Image, max_pixels: int) -> Image.Image:
    if image.width * image.height <= max_pixels and max(image.size) <= MAX_SIDE:
        return image
    factor = scale_within(width=image.width, height=image.height, scale=1.0, max_pixels=max_pixels)
    return image.resize((max(1, int(image.width * factor)), max(1, int(image.height * factor))),
                        Image.Resampling.BILINEAR)


def raster_open(path: Path, *, max_pixels: int) -> Image.Image:
    """The image, decoded at most at `max_pixels` (JPEG decodes reduced; others are resized after)."""
    image = Image.open(path)
    if image.width * image.height > RASTER_MAX_PIXELS:
        raise TooLarge(f"{image.width} × {image.height} pixels")
    if image.format == "JPEG":  # libjpeg decodes at 1/2, 1/4 or 1/8 directly: the big bitmap never exists
        factor = scale_within(width=image.width, height=image.height, scale=1.0, max_pixels=max_pixels)
        image.draft("RGB", (max(1, int(image.width * factor)), max(1, int(image.height * factor))))
    image.load()
    return _reduce_within(image, max_pixels)


def pdf_pages(path: Path, *, scale: float, max_pixels: int, max_pages: int) -> Iterator[Image.Image]:
    """The first `max_pages` pages, each at `scale` or less (within the budgets)."""
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(path)
        count = len(pdf)
    try:
        for index in range(min(count, max_pages)):
            with PDFIUM_LOCK:
                page = pdf[index]
                width, height = page.get_size()
                image = page.render(scale=scale_within(width=width, height=height, scale=scale,
                                                       max_pixels=max_pixels)).to_pil()
                page.close()
            yield image  # outside the lock: OCR of this page does not hold up other threads
    finally:
        with PDFIUM_LOCK:
            pdf.close()


def _png(image: Image.Image, *, optimize: bool) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG", optimize=optimize)
    return out.getvalue()


def thumbnail_png(*, path: str, content_type: str) -> bytes | None:
    """A PNG of the first page (PDF) or of the image, fitting THUMBNAIL_BOX; None for other types.
    The page is rendered at about twice the box, never at its own size."""
    box_w, box_h = THUMBNAIL_BOX
    budget = 4 * box_w * box_h
    if content_type == PDF:
        import pypdfium2 as pdfium

        with PDFIUM_LOCK:
            pdf = pdfium.PdfDocument(path)
            try:
                if not len(pdf):
                    return None
                page = pdf[0]
                width, height = page.get_size()
                scale = scale_within(width=width, height=height, scale=min(2 * box_w / max(width, 1.0),
                                                                           2 * box_h / max(height, 1.0)),
                                     max_pixels=budget)
                image = page.render(scale=scale).to_pil()
                page.close()
            finally:
                pdf.close()
    elif content_type in RASTER_TYPES:
        image = raster_open(Path(path), max_pixels=budget)
    else:
        return None
    image = image.convert("RGB")
    image.thumbnail(THUMBNAIL_BOX)
    return _png(image, optimize=True)


def ocr_text(*, path: str, content_type: str, nice: int = 0,
             time_budget: float = OCR_TIME_BUDGET_SECONDS) -> tuple[str, int]:
    """(text, pages read) by Tesseract, within OCR_MAX_PAGES, OCR_MAX_PIXELS per page and `time_budget`
    seconds for the document: when the budget runs out, the pages read so far are the text."""
    if content_type != PDF and content_type not in RASTER_TYPES:
        return "", 0
    import pytesseract

    deadline = time.monotonic() + time_budget
    texts: list[str] = []
    pages = (pdf_pages(Path(path), scale=OCR_DPI / 72, max_pixels=OCR_MAX_PIXELS, max_pages=OCR_MAX_PAGES)
             if content_type == PDF else iter([raster_open(Path(path), max_pixels=OCR_MAX_PIXELS)]))
    for image in pages:
        left = deadline - time.monotonic()
        if left <= 1:
            break
        try:
            texts.append(pytesseract.image_to_string(image.convert("RGB"), lang=OCR_LANGUAGES, nice=nice,
                                                     timeout=min(OCR_PAGE_TIMEOUT_SECONDS, left)))
        except RuntimeError as error:  # pytesseract's "Tesseract process timeout"
            if "timeout" not in str(error).lower():
                raise
            break
    return "\n".join(texts), len(texts)


def page_png(*, path: str, page_number: int, width: int = 1000) -> bytes | None:
    """One page of a PDF as a PNG about `width` pixels wide (within PREVIEW_MAX_PIXELS and MAX_SIDE);
    None if there is no such page."""
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(path)
        try:
            if not 1 <= page_number <= len(pdf):
                return None
            page = pdf[page_number - 1]
            page_width, page_height = page.get_size()
            scale = scale_within(width=page_width, height=page_height, scale=width / max(page_width, 1.0),
                                 max_pixels=PREVIEW_MAX_PIXELS)
            image = page.render(scale=scale).to_pil()
            page.close()
        finally:
            pdf.close()
    return _png(image, optimize=False)


def text_layer(*, path: str) -> tuple[str, int]:
    """(the text a PDF carries, its page count)."""
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
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
