"""'Document entered folder', published by the GED to subscribers registered at start-up.

The GED knows nothing of partners: `partners` subscribes in its AppConfig.ready(). Subscribers run
inside the deposit's transaction, so what they write commits or rolls back with the document.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from comptoir.ged.models import Document, Folder

EntryKind = Literal["deposit", "move", "copy", "backfill"]


@dataclass(frozen=True)
class DocumentEntered:
    document: Document
    folder: Folder
    kind: EntryKind
    actor: object | None


Subscriber = Callable[[DocumentEntered], None]
_subscribers: list[Subscriber] = []


def document_entered_subscribe(subscriber: Subscriber) -> None:
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


def document_entered_unsubscribe(subscriber: Subscriber) -> None:
    if subscriber in _subscribers:
        _subscribers.remove(subscriber)


def document_entered_publish(event: DocumentEntered) -> None:
    for subscriber in list(_subscribers):
        subscriber(event)


@contextmanager
def document_entered_subscribed(subscriber: Subscriber) -> Iterator[None]:
    """Register a subscriber for the duration of a block (tests, one-off tools)."""
    document_entered_subscribe(subscriber)
    try:
        yield
    finally:
        document_entered_unsubscribe(subscriber)
