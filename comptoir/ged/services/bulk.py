"""Actions on many documents at once. Each goes through the single-document service, once per
document, so that a bulk move into a folder switched on for a partner delivers each document exactly
as a single move would; each document succeeds or fails on its own, and the outcome says which."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.core.errors import ComptoirError
from comptoir.ged.models import Document, Folder
from comptoir.ged.policy import ged_policy
from comptoir.ged.services.documents import document_move, document_restore, document_trash


@dataclass(frozen=True)
class BulkOutcome:
    document: Document
    ok: bool
    error: str = ""
    error_code: str = ""


def _each(documents: list[Document], actor: User, verb: str, action) -> list[BulkOutcome]:
    """The policy's answer first (a refusal is `forbidden`, as the single action's 403), then the action."""
    outcomes = []
    for document in documents:
        if not ged_policy.can(actor, f"document.{verb}", document):
            outcomes.append(BulkOutcome(document=document, ok=False, error_code="forbidden",
                                        error=_("Vous ne pouvez pas modifier ce document.")))
            continue
        try:
            action(document)
        except (ValidationError, ComptoirError) as error:
            message = error.message if isinstance(error, ComptoirError) else " ".join(error.messages)
            outcomes.append(BulkOutcome(document=document, ok=False, error=message, error_code="invalid"))
        else:
            outcomes.append(BulkOutcome(document=document, ok=True))
    return outcomes


def documents_bulk_move(*, documents: list[Document], folder: Folder, actor: User) -> list[BulkOutcome]:
    return _each(documents, actor, "move",
                 lambda document: document_move(document=document, folder=folder, actor=actor))


def documents_bulk_trash(*, documents: list[Document], actor: User) -> list[BulkOutcome]:
    return _each(documents, actor, "trash", lambda document: document_trash(document=document, actor=actor))


def documents_bulk_restore(*, documents: list[Document], actor: User) -> list[BulkOutcome]:
    return _each(documents, actor, "restore", lambda document: document_restore(document=document, actor=actor))
