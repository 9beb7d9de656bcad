"""The bounds of every list's `limit`, `offset` and dates (docs/api.md): out of bounds is a 422, never a 500.

The same bounds as the web pages' parser, `comptoir.core.params`.
"""

from datetime import date
from typing import Annotated

from ninja import Query
from pydantic import Field

from comptoir.core.params import DATE_MAX, DATE_MIN

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
MAX_OFFSET = 1_000_000

Limit = Annotated[int, Query(DEFAULT_LIMIT), Field(ge=1, le=MAX_LIMIT, description=f"1 à {MAX_LIMIT}")]
Offset = Annotated[int, Query(0), Field(ge=0, le=MAX_OFFSET, description=f"0 à {MAX_OFFSET}")]

# A date a list filters on: outside these bounds, adding a day (or a time zone) would overflow.
BoundedDate = Annotated[date, Field(ge=DATE_MIN, le=DATE_MAX, description=f"{DATE_MIN} à {DATE_MAX}")]
