"""The bounds of every list's `limit` and `offset` (docs/api.md): out of bounds is a 422, never a 500."""

from typing import Annotated

from ninja import Query
from pydantic import Field

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
MAX_OFFSET = 1_000_000

Limit = Annotated[int, Query(DEFAULT_LIMIT), Field(ge=1, le=MAX_LIMIT, description=f"1 à {MAX_LIMIT}")]
Offset = Annotated[int, Query(0), Field(ge=0, le=MAX_OFFSET, description=f"0 à {MAX_OFFSET}")]
