"""The one parser of list parameters (dates, amounts, page numbers) that web pages and the API share.

A query string is written by whoever holds the URL: `?au=9999-12-31`, `?montant_min=NaN` or
`?page=99999999999999999999999` must be a refusal a person reads (a line on the page, a 400/422 in
the API), never a 500 from a date that overflows when a day is added, a NaN the database cannot
compare, or an offset it cannot hold. Each function returns the cleaned value or raises `ParamError`
with a French sentence; the API's own parameter types (`comptoir.api.pagination`) use the same bounds.
"""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

# Far enough for any document (a founding deed, a 99-year lease); near enough that adding a day, or
# a time zone, to either bound stays a valid datetime in Python and in every database we support.
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2999, 12, 31)
# What an amount column can hold (17 digits, 2 after the point).
AMOUNT_LIMIT = Decimal(10) ** 15
MAX_PAGE = 10_000
MAX_TEXT = 100


class ParamError(ValueError):
    """A parameter that does not parse or is out of bounds; `message` is for people (French msgid)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def param_date(raw: str) -> date:
    """An ISO date (AAAA-MM-JJ) between DATE_MIN and DATE_MAX."""
    try:
        value = date.fromisoformat(raw.strip())
    except ValueError:
        raise ParamError(_("« %(value)s » n'est pas une date (AAAA-MM-JJ).") % {"value": raw[:MAX_TEXT]}) from None
    return date_bounded(value)


def date_bounded(value: date) -> date:
    if not DATE_MIN <= value <= DATE_MAX:
        raise ParamError(_("La date %(value)s est hors des bornes (%(low)s à %(high)s).") % {
            "value": value.isoformat(), "low": DATE_MIN.isoformat(), "high": DATE_MAX.isoformat()})
    return value


def param_amount(raw: str) -> Decimal:
    """A finite decimal amount (a comma or a point), below what an amount column holds."""
    try:
        value = Decimal(raw.strip().replace(",", ".").replace(" ", "").replace("\xa0", ""))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or abs(value) >= AMOUNT_LIMIT:
        raise ParamError(_("« %(value)s » n'est pas un montant (par exemple 1200,50).") % {"value": raw[:MAX_TEXT]})
    return value


def param_int(raw: str, *, low: int, high: int) -> int:
    """A whole number between `low` and `high`."""
    text = raw.strip()
    if not re.fullmatch(r"-?[0-9]{1,19}", text) or not low <= int(text) <= high:
        raise ParamError(_("« %(value)s » n'est pas un nombre entier de %(low)s à %(high)s.") % {
            "value": raw[:MAX_TEXT], "low": low, "high": high})
    return int(text)


def param_page(raw: str | None) -> int:
    """A page number (1 to MAX_PAGE); absent is the first page."""
    return param_int(raw, low=1, high=MAX_PAGE) if raw not in (None, "") else 1
