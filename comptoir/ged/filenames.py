import re
import unicodedata

MAX_NAME_LENGTH = 200
_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')


def filename_sanitize(raw: str | None, *, fallback: str = "document") -> str:
    """A file name safe to show and to put in a header: no directories, no control characters."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _FORBIDDEN.sub("", name).strip().lstrip(".").strip()
    name = re.sub(r"\s+", " ", name)
    if not name:
        return fallback
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and len(extension) <= 10:
            name = stem[: MAX_NAME_LENGTH - len(extension) - 1] + "." + extension
        else:
            name = name[:MAX_NAME_LENGTH]
    return name
