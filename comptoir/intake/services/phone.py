"""Phone capture: photos (or PDFs) taken on a phone, optionally combined into one PDF per invoice."""

import io
from typing import IO

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from comptoir.accounts.models import User
from comptoir.core.errors import ComptoirError
from comptoir.ged.models import Channel, Document, Folder
from comptoir.ged.services import document_deposit

MAX_PHOTOS = 30


def _as_image(upload: IO[bytes]) -> Image.Image | None:
    try:
        upload.seek(0)
        image = Image.open(upload)
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError):
        return None
    image = ImageOps.exif_transpose(image)
    return image.convert("RGB")


def phone_photos_combine(*, uploads: list[IO[bytes]]) -> bytes:
    """Images → one multi-page PDF, in the order they were taken."""
    images = [_as_image(upload) for upload in uploads]
    if not images or any(image is None for image in images):
        raise ComptoirError(_("Seules des photos peuvent être combinées en un PDF."))
    buffer = io.BytesIO()
    images[0].save(buffer, format="PDF", save_all=True, append_images=images[1:], resolution=150)
    return buffer.getvalue()


def phone_capture_deposit(*, folder: Folder, uploads: list, combine: bool, actor: User,
                          name: str = "") -> list[Document]:
    """Deposit what was captured; with `combine`, all the photos become one PDF (PDFs stay apart)."""
    if not uploads:
        raise ComptoirError(_("Aucun fichier reçu."))
    if len(uploads) > MAX_PHOTOS:
        raise ComptoirError(_("Trop de fichiers à la fois (%(max)d au plus).") % {"max": MAX_PHOTOS})
    photos = [upload for upload in uploads if (getattr(upload, "content_type", "") or "").startswith("image/")]
    others = [upload for upload in uploads if upload not in photos]
    documents = []
    if combine and len(photos) > 1:
        pdf = phone_photos_combine(uploads=photos)
        filename = (name.strip() or _("Photos du %(date)s") % {"date": _today()}) + ".pdf"
        documents.append(document_deposit(folder=folder, file=ContentFile(pdf), channel=Channel.PHONE, actor=actor,
                                          filename=filename, source={"combined_photos": len(photos)}))
    else:
        others = uploads
    for upload in others:
        documents.append(document_deposit(folder=folder, file=upload, channel=Channel.PHONE, actor=actor,
                                          filename=upload.name, source={}))
    return documents


def _today() -> str:
    return f"{timezone.localdate():%d-%m-%Y}"
