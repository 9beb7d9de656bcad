"""The quarantine ("À valider"): mail files kept without being deposited until a firm user decides.

Held files are bytes in the GED's blob store and a `QuarantinedDocument` row, in no folder: no
partner switch can see them. Approval deposits them through `document_deposit` (the switches apply
as they are at approval time); rejection deletes the bytes.
"""

from datetime import datetime
from typing import IO

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.core.errors import ComptoirError
from comptoir.core.services import audit_event_record
from comptoir.firms.models import Company
from comptoir.ged.blobs import blob_delete, blob_open, blob_store
from comptoir.ged.filenames import filename_sanitize
from comptoir.ged.filetypes import filetype_sniff
from comptoir.ged.models import Channel, Document, Folder
from comptoir.ged.services import document_deposit
from comptoir.intake.models import QuarantinedDocument, QuarantineReason, QuarantineStatus
from comptoir.intake.selectors import mailbox_folder_resolve
from comptoir.intake.services.mailbox_policy import mailbox_sender_allow


class QuarantineDecided(ComptoirError):
    status = 409


def quarantine_hold(*, company: Company, folder: Folder, file: IO[bytes], filename: str, mailbox: str,
                    recipient: str, reason: str, authentication: str, sender: str, envelope_sender: str,
                    subject: str, message_id: str, message_key: str, idempotency_key: str,
                    received_at: datetime) -> QuarantinedDocument:
    """Keep a file aside. The same key again (a retransmitted mail) returns the first row, whatever its state.

    Refused types are refused here as at deposit (ComptoirError), and their bytes deleted.
    """
    existing = QuarantinedDocument.objects.filter(company=company, idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    name = filename_sanitize(filename)
    stored = blob_store(stream=file, company_id=company.pk)
    try:
        content_type = filetype_sniff(head=stored.head, filename=name)
        with transaction.atomic():
            item = QuarantinedDocument.objects.create(
                company=company, folder=folder, mailbox=mailbox, recipient=recipient[:254], filename=name,
                blob=stored.key, sha256=stored.sha256, size=stored.size, content_type=content_type, reason=reason,
                authentication=authentication[:500], sender=sender[:254], envelope_sender=envelope_sender[:254],
                subject=subject[:200], message_id=message_id[:250], message_key=message_key,
                idempotency_key=idempotency_key, received_at=received_at)
            audit_event_record(actor=None, action="intake.quarantine.hold", target=item, firm_id=company.firm_id,
                               data={"recipient": recipient, "reason": reason, "sender": sender[:254],
                                     "filename": name, "sha256": stored.sha256})
    except BaseException:
        blob_delete(stored.key)
        raise
    return item


def _target_folder(item: QuarantinedDocument) -> Folder:
    if item.folder is not None and item.folder.deleted_at is None:
        return item.folder
    folder = mailbox_folder_resolve(company=item.company, box=item.mailbox, on=timezone.localdate(item.received_at))
    if folder is None:
        raise ComptoirError(_("Le dossier de cette boîte de collecte n'existe plus : impossible de valider."))
    return folder


def quarantine_approve(*, item: QuarantinedDocument, actor: User, allow_sender: bool = False) -> Document:
    """Deposit the held file where its mailbox files mail (a deposit now: the switches apply now).

    `allow_sender` (« toujours autoriser cet expéditeur »): its authenticated From: address joins the
    company's allowed senders, so its next mail is deposited directly. Only an authenticated sender
    can be allowed: an unauthenticated From: proves nothing.
    """
    with transaction.atomic():
        # Lock the row only ("of self"): PostgreSQL cannot lock the nullable side of the folder join.
        item = (QuarantinedDocument.objects.select_for_update(of=("self",)).select_related("company", "folder")
                .get(pk=item.pk))
        if item.status != QuarantineStatus.PENDING:
            raise QuarantineDecided(_("Ce document a déjà été traité."))
        if allow_sender:
            if item.reason != QuarantineReason.SENDER_NOT_ALLOWED or not item.sender:
                raise ComptoirError(_("Cet expéditeur n'est pas authentifié : il ne peut pas être autorisé."))
            mailbox_sender_allow(company=item.company, sender=item.sender, actor=actor)
        with blob_open(item.blob) as stream:
            document = document_deposit(
                folder=_target_folder(item), file=stream, channel=Channel.EMAIL, actor=actor, filename=item.filename,
                source={"message_id": item.message_id, "from": item.sender, "envelope_from": item.envelope_sender,
                        "subject": item.subject, "recipient": item.recipient, "quarantine": item.pk},
                idempotency_key=item.idempotency_key)
        held_blob = item.blob
        item.status, item.decided_at, item.decided_by, item.document = (
            QuarantineStatus.APPROVED, timezone.now(), actor, document)
        item.blob = ""
        item.save(update_fields=["status", "decided_at", "decided_by", "document", "blob"])
        audit_event_record(actor=actor, action="intake.quarantine.approve", target=item,
                           firm_id=item.company.firm_id, data={"document": document.pk})
        transaction.on_commit(lambda: blob_delete(held_blob))
    return document


def quarantine_reject(*, item: QuarantinedDocument, actor: User) -> QuarantinedDocument:
    """Delete the held file's bytes; the row stays as the record of the decision."""
    with transaction.atomic():
        item = QuarantinedDocument.objects.select_for_update(of=("self",)).select_related("company").get(pk=item.pk)
        if item.status != QuarantineStatus.PENDING:
            raise QuarantineDecided(_("Ce document a déjà été traité."))
        held_blob = item.blob
        item.status, item.decided_at, item.decided_by, item.blob = (
            QuarantineStatus.REJECTED, timezone.now(), actor, "")
        item.save(update_fields=["status", "decided_at", "decided_by", "blob"])
        audit_event_record(actor=actor, action="intake.quarantine.reject", target=item,
                           firm_id=item.company.firm_id, data={"filename": item.filename, "sha256": item.sha256})
        transaction.on_commit(lambda: blob_delete(held_blob))
    return item


@transaction.atomic
def quarantine_message_approve(*, item: QuarantinedDocument, actor: User, allow_sender: bool = False) -> list[Document]:
    """« Tout valider pour ce message »: every pending file of the same message to the same mailbox."""
    siblings = QuarantinedDocument.objects.filter(company_id=item.company_id, message_key=item.message_key,
                                                  status=QuarantineStatus.PENDING).order_by("id")
    return [quarantine_approve(item=sibling, actor=actor, allow_sender=allow_sender) for sibling in siblings]
