"""How the GED shows documents to people: a type they read ("PDF", "Image JPEG"), sizes in Ko/Mo/Go."""

from django import template
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

register = template.Library()

TYPE_LABELS = {
    "application/pdf": gettext_lazy("PDF"),
    "image/jpeg": gettext_lazy("Image JPEG"),
    "image/png": gettext_lazy("Image PNG"),
    "image/gif": gettext_lazy("Image GIF"),
    "image/webp": gettext_lazy("Image WebP"),
    "image/tiff": gettext_lazy("Image TIFF"),
    "image/heic": gettext_lazy("Photo HEIC"),
    "image/bmp": gettext_lazy("Image BMP"),
    "application/zip": gettext_lazy("Archive zip"),
    "application/msword": gettext_lazy("Document Word"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": gettext_lazy("Document Word"),
    "application/vnd.ms-excel": gettext_lazy("Classeur Excel"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": gettext_lazy("Classeur Excel"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation":
        gettext_lazy("Présentation PowerPoint"),
    "application/vnd.oasis.opendocument.text": gettext_lazy("Texte OpenDocument"),
    "application/vnd.oasis.opendocument.spreadsheet": gettext_lazy("Classeur OpenDocument"),
    "application/xml": gettext_lazy("XML"),
    "message/rfc822": gettext_lazy("E-mail"),
    "text/plain": gettext_lazy("Texte"),
    "text/csv": gettext_lazy("Tableau CSV"),
}


@register.filter
def human_type(content_type: str) -> str:
    return str(TYPE_LABELS.get(content_type, content_type))


@register.filter
def human_size(size: int | None) -> str:
    size = int(size or 0)
    if size < 1024:
        return _("%(size)s o") % {"size": size}
    for unit_size, label in ((1024 ** 3, _("%(size)s Go")), (1024 ** 2, _("%(size)s Mo"))):
        if size >= unit_size:
            return label % {"size": floatformat(size / unit_size, 1)}
    return _("%(size)s Ko") % {"size": floatformat(size / 1024, 0)}


def human_size_formatter():
    """`human_size` for many sizes at the cost of one lookup of the words and the decimal separator
    (the folder list's rows): the same text, without `floatformat`'s Decimal work per value."""
    from django.utils.formats import get_format

    separator = get_format("DECIMAL_SEPARATOR")
    bytes_, kilo, mega, giga = _("%(size)s o"), _("%(size)s Ko"), _("%(size)s Mo"), _("%(size)s Go")

    def tenths(value: float) -> str:  # rounded half up, as floatformat does
        whole, tenth = divmod(int(value * 10 + 0.5), 10)
        return f"{whole}{separator}{tenth}"

    def format_size(size: int | None) -> str:
        size = int(size or 0)
        if size < 1024:
            return bytes_ % {"size": size}
        if size >= 1024 ** 3:
            return giga % {"size": tenths(size / 1024 ** 3)}
        if size >= 1024 ** 2:
            return mega % {"size": tenths(size / 1024 ** 2)}
        return kilo % {"size": int(size / 1024 + 0.5)}

    return format_size
