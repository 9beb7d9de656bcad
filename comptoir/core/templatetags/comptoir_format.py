"""One way to write dates, amounts, sizes and French company numbers per language (see comptoir/formats)."""

from datetime import date, datetime
from decimal import Decimal

from django import template
from django.utils import formats, timezone, translation
from django.utils.numberformat import format as number_format

from comptoir.core.sizes import file_size_format

register = template.Library()
NBSP = "\u00a0"


@register.filter
def when(value: datetime | None) -> str:
    """A moment, in the portal's time zone: `01/12/2026 23:08` in French."""
    if not value:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "SHORT_DATETIME_FORMAT")


@register.filter
def day(value: date | None) -> str:
    """A date: `01/12/2026` in French."""
    if not value:
        return ""
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def _grouped(digits: str, sizes: tuple[int, ...]) -> str:
    parts, start = [], 0
    for size in sizes:
        parts.append(digits[start:start + size])
        start += size
    return NBSP.join(part for part in parts if part)


@register.filter
def siren(value: str) -> str:
    """`443 061 841` (non-breaking spaces, as INSEE writes it); anything else unchanged."""
    digits = (value or "").replace(" ", "")
    return _grouped(digits, (3, 3, 3)) if len(digits) == 9 and digits.isdigit() else value


@register.filter
def siret(value: str) -> str:
    """`443 061 841 00047`."""
    digits = (value or "").replace(" ", "")
    return _grouped(digits, (3, 3, 3, 5)) if len(digits) == 14 and digits.isdigit() else value


@register.filter
def money(value: Decimal | float | int | None, currency: str = "€") -> str:
    """`1 234,56 €` in French, `€1,234.56` in English."""
    if value is None or value == "":
        return ""
    language = translation.get_language() or "fr"
    number = number_format(value, formats.get_format("DECIMAL_SEPARATOR"), decimal_pos=2,
                           grouping=formats.get_format("NUMBER_GROUPING"),
                           thousand_sep=formats.get_format("THOUSAND_SEPARATOR"), force_grouping=True)
    return f"{currency}{number}" if language.startswith("en") else f"{number}{NBSP}{currency}"


@register.filter
def filesize(value: int | None) -> str:
    """Decimal units ("28,6 Mo" in French, "28.6 MB" in English), the same on every page."""
    return file_size_format(value)


_ELIDING = set("aeiouyhàâäéèêëîïôöùûüœæAEIOUYHÀÂÄÉÈÊËÎÏÔÖÙÛÜŒÆ")


@register.filter
def elides(name: str) -> bool:
    """Whether French writes « d' » before this name (« Poste client d'Épicerie Démo »): a vowel or an h.
    An aspirated h (« de Hachette ») is the exception a rule cannot know; it reads « d' » here."""
    return bool(name) and name[0] in _ELIDING
