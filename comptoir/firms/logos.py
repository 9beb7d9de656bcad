"""The firm's logo: what is accepted, checked on the image itself (never its name), for settings and API."""

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

LOGO_FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}
LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_ACCEPT = "image/png,image/jpeg,image/gif,image/webp"


def logo_checked(logo: UploadedFile) -> UploadedFile:
    """The upload, renamed `logo.<ext>` after its real format; ValidationError when too large or not an image
    Pillow reads as PNG, JPEG, GIF or WebP (an SVG, or anything else, is refused)."""
    if logo.size > LOGO_MAX_BYTES:
        raise ValidationError(_("Le logo dépasse 2 Mo."))
    try:
        with Image.open(logo) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError(_("Le logo doit être une image (PNG, JPEG, GIF ou WebP).")) from error
    if image_format not in LOGO_FORMATS:
        raise ValidationError(_("Le logo doit être une image (PNG, JPEG, GIF ou WebP)."))
    logo.seek(0)
    logo.name = f"logo.{LOGO_FORMATS[image_format]}"
    return logo
