"""Every way a document enters or moves in the GED. All channels call `document_deposit`."""

from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from comptoir.accounts.models import User
from comptoir.core.errors import ComptoirError
from comptoir.core.services import audit_event_record
from comptoir.ged.blobs import blob_delete, blob_open, blob_store
from comptoir.ged.events import DocumentEntered, EntryKind, document_entered_publish
from comptoir.ged.filenames import filename_sanitize
from comptoir.ged.filetypes import filetype_sniff
from comptoir.ged.models import Channel, Document, Folder


class FileTooLarge(ComptoirError):
    status = 413


def _check_folder_alive(folder: Folder) -> None:
    if folder.deleted_at is not None:
        raise ValidationError("Ce dossier est dans la corbeille.")


def _enter(*, document: Document, folder: Folder, kind: EntryKind, actor: User | None) -> None:
    document_entered_publish(DocumentEntered(document=document, folder=folder, kind=kind, actor=actor))


def document_deposit(
    *,
    folder: Folder,
    file: IO[bytes],
    channel: Channel | str,
    actor: User | None,
    filename: str | None = None,
    source: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
) -> Document:
    """Store a file in a folder: the one way in for every channel.

    The bytes are streamed to storage first (hashed on the way); the row, its audit event and what
    subscribers add (partner deliveries) are then committed together. A refused or failed deposit
    leaves nothing behind.

    With an `idempotency_key`, a deposit retried with the same key (per company) returns the first
    document and deposits nothing: the unique constraint settles two concurrent tries.
    """
    if idempotency_key:
        existing = _document_for_key(company_id=folder.company_id, key=idempotency_key)
        if existing is not None:
            return existing
    _check_folder_alive(folder)
    name = filename_sanitize(filename or getattr(file, "name", None))
    stored = blob_store(stream=file, company_id=folder.company_id)
    try:
        if stored.size > settings.COMPTOIR_MAX_UPLOAD_BYTES:
            raise FileTooLarge(f"« {name} » dépasse la taille maximale autorisée.")
        content_type = filetype_sniff(head=stored.head, filename=name)
        with transaction.atomic():
            document = Document.objects.create(
                company_id=folder.company_id,
                folder=folder,
                name=name,
                original_filename=name,
                blob=stored.key,
                sha256=stored.sha256,
                size=stored.size,
                content_type=content_type,
                channel=Channel(channel),
                depositor=actor if getattr(actor, "pk", None) else None,
                source=source or {},
                idempotency_key=idempotency_key or None,
            )
            audit_event_record(actor=actor, action="document.deposit", target=document,
                               firm_id=folder.company.firm_id,
                               data={"folder": folder.pk, "channel": str(channel), "sha256": stored.sha256})
            _enter(document=document, folder=folder, kind="deposit", actor=actor)
    except IntegrityError:
        blob_delete(stored.key)
        existing = _document_for_key(company_id=folder.company_id, key=idempotency_key) if idempotency_key else None
        if existing is None:
            raise
        return existing  # a concurrent try with the same key won
    except BaseException:
        blob_delete(stored.key)
        raise
    return document


def _document_for_key(*, company_id: int, key: str) -> Document | None:
    return Document.objects.filter(company_id=company_id, idempotency_key=key).first()


@transaction.atomic
def document_move(*, document: Document, folder: Folder, actor: User) -> Document:
    if folder.company_id != document.company_id:
        raise ValidationError("Impossible de déplacer un document vers une autre entreprise.")
    _check_folder_alive(folder)
    if folder.pk == document.folder_id:
        return document
    old_folder_id = document.folder_id
    document.folder = folder
    document.save(update_fields=["folder"])
    audit_event_record(actor=actor, action="document.move", target=document, firm_id=folder.company.firm_id,
                       data={"from": old_folder_id, "to": folder.pk})
    _enter(document=document, folder=folder, kind="move", actor=actor)
    return document


def document_copy(*, document: Document, folder: Folder, actor: User) -> Document:
    """A new document with the same bytes (and the same lineage) in another folder of the company."""
    if folder.company_id != document.company_id:
        raise ValidationError("Impossible de copier un document vers une autre entreprise.")
    _check_folder_alive(folder)
    with blob_open(document.blob) as source:
        stored = blob_store(stream=source, company_id=document.company_id)
    try:
        with transaction.atomic():
            copy = Document.objects.create(
                company_id=document.company_id,
                folder=folder,
                name=document.name,
                original_filename=document.original_filename,
                blob=stored.key,
                sha256=stored.sha256,
                size=stored.size,
                content_type=document.content_type,
                channel=document.channel,
                depositor=actor,
                lineage=document.lineage,
                source={"copied_from": document.pk},
            )
            audit_event_record(actor=actor, action="document.copy", target=copy, firm_id=folder.company.firm_id,
                               data={"from_document": document.pk, "to": folder.pk})
            _enter(document=copy, folder=folder, kind="copy", actor=actor)
    except BaseException:
        blob_delete(stored.key)
        raise
    return copy


@transaction.atomic
def document_rename(*, document: Document, name: str, actor: User) -> Document:
    cleaned = filename_sanitize(name, fallback="")
    if not cleaned:
        raise ValidationError({"name": "Le nom du document est vide ou invalide."})
    old = document.name
    document.name = cleaned
    document.save(update_fields=["name"])
    audit_event_record(actor=actor, action="document.rename", target=document,
                       firm_id=document.company.firm_id, data={"from": old, "to": cleaned})
    return document


@transaction.atomic
def document_trash(*, document: Document, actor: User) -> Document:
    document.deleted_at = timezone.now()
    document.deleted_by = actor
    document.save(update_fields=["deleted_at", "deleted_by"])
    audit_event_record(actor=actor, action="document.trash", target=document, firm_id=document.company.firm_id)
    return document


@transaction.atomic
def document_restore(*, document: Document, actor: User) -> Document:
    """Back from the trash into its folder. Not a deposit: nothing is sent again."""
    if document.folder.deleted_at is not None:
        raise ValidationError("Le dossier de ce document est dans la corbeille : restaurez-le d'abord.")
    document.deleted_at = None
    document.deleted_by = None
    document.save(update_fields=["deleted_at", "deleted_by"])
    audit_event_record(actor=actor, action="document.restore", target=document,
                       firm_id=document.company.firm_id)
    return document
