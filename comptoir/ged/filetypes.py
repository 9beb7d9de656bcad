"""What a file really is, read from its first bytes (not its name), and whether the GED takes it."""

import mimetypes

import puremagic
from django.utils.translation import gettext as _

from comptoir.core.errors import ComptoirError

HEAD_SIZE = 8192

ACCEPTED_TYPES = {
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/tiff",
    "image/heic",
    "image/bmp",
    "application/zip",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/xml",
    "message/rfc822",
    "text/plain",
    "text/csv",
}

# Signatures of programs: refused whatever their name says.
EXECUTABLE_SIGNATURES = (
    b"MZ",  # Windows PE
    b"\x7fELF",  # Linux
    b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",  # Mach-O
    b"\xca\xfe\xba\xbe",  # Mach-O universal / Java class
    b"#!",  # scripts
)


class UnsupportedFileType(ComptoirError):
    status = 415


def _text_type(head: bytes, extension: str) -> str | None:
    if b"\x00" in head:
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = head.decode("cp1252")
        except UnicodeDecodeError:
            return None
    stripped = text.lstrip("\ufeff \r\n\t")
    if stripped.startswith("<?xml"):
        return "application/xml"
    if extension == ".eml" or (":" in stripped.split("\n", 1)[0] and "\nSubject:" in stripped):
        return "message/rfc822"
    if extension == ".csv":
        return "text/csv"
    return "text/plain"


def filetype_sniff(*, head: bytes, filename: str) -> str:
    """The MIME type of a file from its first bytes; raises UnsupportedFileType when refused."""
    extension = ("." + filename.rsplit(".", 1)[-1].lower()) if "." in filename else ""
    if head.startswith(EXECUTABLE_SIGNATURES):
        raise UnsupportedFileType(
            _("« %(name)s » est un programme exécutable, pas un document : il est refusé.") % {"name": filename}
        )
    if not head:
        raise UnsupportedFileType(_("« %(name)s » est vide.") % {"name": filename})
    try:
        matches = puremagic.magic_string(head, filename=filename)
    except (puremagic.PureError, ValueError):
        matches = []
    candidates = [match for match in matches if match.mime_type in ACCEPTED_TYPES]
    if candidates:
        same_extension = [match for match in candidates if match.extension.lower() == extension]
        return (same_extension or candidates)[0].mime_type
    text_type = _text_type(head, extension)
    if text_type:
        return text_type
    claimed = mimetypes.guess_type(filename)[0] or extension or "?"
    raise UnsupportedFileType(
        _("Le contenu de « %(name)s » n'est pas un type de document pris en charge (annoncé : %(claimed)s).")
        % {"name": filename, "claimed": claimed}
    )
