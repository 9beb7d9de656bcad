"""Readers of a deposit's stored bytes, registered at start-up by apps above the GED (the GED imports none).

A reader runs once the bytes are stored and their type sniffed, *before* the deposit's transaction:
reading a PDF must not hold the database's one writer (SQLite) while it parses. It returns what it
found as a recorder, which the deposit calls inside its transaction once the `Document` row exists,
so the facts commit (or roll back) with the document and are there before subscribers (partner
routing) run. A reader never refuses a deposit: one that raises is logged and ignored.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from comptoir.ged.models import Document, Folder

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str
    content_type: str
    name: str
    folder: Folder


Recorder = Callable[[Document], None]
Reader = Callable[[StoredFile], Recorder | None]
_readers: list[Reader] = []


def document_reader_register(reader: Reader) -> None:
    if reader not in _readers:
        _readers.append(reader)


def document_reader_unregister(reader: Reader) -> None:
    if reader in _readers:
        _readers.remove(reader)


def document_readers_run(stored: StoredFile) -> list[Recorder]:
    recorders = []
    for reader in list(_readers):
        try:
            recorder = reader(stored)
        except Exception:
            logger.exception("document reader %r failed on %s", reader, stored.key)
            continue
        if recorder is not None:
            recorders.append(recorder)
    return recorders
