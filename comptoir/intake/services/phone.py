"""Phone capture: photos (or PDFs) taken on a phone, optionally combined into one PDF per invoice.

Memory stays bounded whatever is sent: every photo's header is read first (no pixel decoded) and a
photo over COMPTOIR_PHONE_MAX_PIXELS, or a request over COMPTOIR_PHONE_MAX_TOTAL_PIXELS, is refused
with its name before anything is decoded or deposited. Combining then decodes one photo at a time,
already reduced (JPEG draft mode) to at most PAGE_MAX_SIDE pixels, and appends it as one page to a
PDF in a temporary file: one page in memory at a time, never the whole set (bench/phone_capture.py).
"""

import tempfile
import warnings
from typing import IO

from django.conf import settings
from django.core.files import File
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from comptoir.accounts.models import User
from comptoir.core.errors import ComptoirError
from comptoir.ged.models import Channel, Document, Folder
from comptoir.ged.services import document_deposit

MAX_PHOTOS = 30
# A page of about 2000 px on its long side is an A4 at 170 dpi: legible, and a 12 MP JPEG decodes
# straight at half size (draft mode) to get there.
PAGE_MAX_SIDE = 2000
A4_LONG_SIDE_INCHES = 11.69


class PhotoRefused(ComptoirError):
    status = 413


def phone_max_pixels() -> int:
    return int(getattr(settings, "COMPTOIR_PHONE_MAX_PIXELS", 25_000_000))


def phone_max_total_pixels() -> int:
    return int(getattr(settings, "COMPTOIR_PHONE_MAX_TOTAL_PIXELS", 600_000_000))


def _name(upload: IO[bytes]) -> str:
    return getattr(upload, "name", "") or _("photo")


def _open(upload: IO[bytes]) -> Image.Image:
    """The photo with its header read and nothing decoded; PhotoRefused naming it when unreadable."""
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(upload)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombWarning,
            Image.DecompressionBombError) as error:
        raise PhotoRefused(_("« %(name)s » n'est pas une photo lisible.") % {"name": _name(upload)},
                           status=400) from error


def phone_photos_check(*, uploads: list[IO[bytes]]) -> None:
    """Refuse, before decoding anything, a photo or a set of photos over the pixel limits."""
    total = 0
    for upload in uploads:
        width, height = _open(upload).size  # not closed: that would close the upload itself
        if width * height > phone_max_pixels():
            raise PhotoRefused(_("« %(name)s » est trop grande (%(mp).0f mégapixels, %(max).0f au plus).") % {
                "name": _name(upload), "mp": width * height / 1e6, "max": phone_max_pixels() / 1e6})
        total += width * height
        if total > phone_max_total_pixels():
            raise PhotoRefused(_("Ces photos sont trop grandes ensemble (à partir de « %(name)s ») : envoyez-en "
                                 "moins à la fois.") % {"name": _name(upload)})


def _page(upload: IO[bytes]) -> Image.Image:
    image = _open(upload)
    try:
        # thumbnail() on an image not yet decoded asks the JPEG decoder for a reduced size (draft).
        image.thumbnail((PAGE_MAX_SIDE, PAGE_MAX_SIDE), reducing_gap=1.0)
        return ImageOps.exif_transpose(image).convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise PhotoRefused(_("« %(name)s » n'est pas une photo lisible.") % {"name": _name(upload)},
                           status=400) from error


def phone_photos_combine(*, uploads: list[IO[bytes]], into: IO[bytes]) -> None:
    """Photos → one multi-page PDF written to `into` (a real file: pages are appended), in their order."""
    phone_photos_check(uploads=uploads)
    for index, upload in enumerate(uploads):
        page = _page(upload)
        resolution = max(page.size) / A4_LONG_SIDE_INCHES
        into.seek(0, 2)
        page.save(into, format="PDF", append=index > 0, resolution=resolution)
        page.close()
    into.seek(0)


def phone_capture_deposit(*, folder: Folder, uploads: list, combine: bool, actor: User,
                          name: str = "") -> list[Document]:
    """Deposit what was captured; with `combine`, all the photos become one PDF (PDFs stay apart)."""
    if not uploads:
        raise ComptoirError(_("Aucun fichier reçu."))
    if len(uploads) > MAX_PHOTOS:
        raise ComptoirError(_("Trop de fichiers à la fois (%(max)d au plus).") % {"max": MAX_PHOTOS})
    photos = [upload for upload in uploads if (getattr(upload, "content_type", "") or "").startswith("image/")]
    others = [upload for upload in uploads if upload not in photos]
    phone_photos_check(uploads=photos)
    documents = []
    if combine and len(photos) > 1:
        filename = (name.strip() or _("Photos du %(date)s") % {"date": _today()}) + ".pdf"
        with tempfile.TemporaryFile(suffix=".pdf") as pdf:
            phone_photos_combine(uploads=photos, into=pdf)
            documents.append(document_deposit(folder=folder, file=File(pdf, name=filename), channel=Channel.PHONE,
                                              actor=actor, filename=filename,
                                              source={"combined_photos": len(photos)}))
    else:
        others = uploads
    for upload in others:
        documents.append(document_deposit(folder=folder, file=upload, channel=Channel.PHONE, actor=actor,
                                          filename=upload.name, source={}))
    return documents


def _today() -> str:
    return f"{timezone.localdate():%d-%m-%Y}"
