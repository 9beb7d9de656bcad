"""Collection mailboxes: what the mail-in listener does with a recipient and a message."""

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.core.errors import ComptoirError
from comptoir.core.services import audit_event_record
from comptoir.firms.models import Company
from comptoir.ged.filetypes import UnsupportedFileType
from comptoir.ged.models import Channel, Document
from comptoir.ged.services import document_deposit
from comptoir.intake.mime import message_read
from comptoir.intake.selectors import (
    mailbox_company,
    mailbox_folder_resolve,
    mailbox_sender_allowed,
    unsorted_folder_resolve,
)
from comptoir.invoices.services import invoice_issue_date_peek

logger = logging.getLogger(__name__)


@dataclass
class MailIngestResult:
    stored: list[Document] = field(default_factory=list)
    duplicates: int = 0
    refused: list[dict] = field(default_factory=list)


def mail_recipient_refusal(*, address: str, sender: str, on: datetime | None = None) -> str | None:
    """The SMTP refusal for a recipient (550 …), or None when we take mail for it."""
    found = mailbox_company(address)
    if found is None:
        return "550 5.1.1 Boîte inconnue"
    box, company = found
    if mailbox_folder_resolve(company=company, box=box, on=timezone.localdate(on or timezone.now())) is None:
        return "550 5.1.1 Boîte inconnue (dossier introuvable)"
    if not mailbox_sender_allowed(company=company, sender=sender):
        return "550 5.7.1 Expéditeur non autorisé pour cette boîte de collecte"
    return None


def _already_stored(*, company: Company, message_id: str, recipient: str, sha256: str) -> bool:
    if not message_id:
        return False
    return Document.objects.filter(company=company, sha256=sha256, source__message_id=message_id,
                                   source__recipient=recipient).exists()


def _eml_name(subject: str) -> str:
    return f"{subject or _('Message sans objet')}.eml"


def mail_message_ingest(*, raw: bytes, mail_from: str, recipients: list[str],
                        received_at: datetime | None = None) -> MailIngestResult:
    """File every usable attachment of a message in each recipient's folder; the whole .eml otherwise.

    Each document commits on its own; a failure raises (the listener answers 451) and the sender's
    retry is deduplicated on (Message-ID, recipient, sha256), so nothing is lost or stored twice.
    Refused file types are skipped and recorded, never a reason to drop the message.
    """
    received_on = timezone.localdate(received_at or timezone.now())
    read = message_read(raw)
    result = MailIngestResult()
    for recipient in dict.fromkeys(recipients):
        found = mailbox_company(recipient)
        if found is None:
            continue
        box, company = found
        folder = mailbox_folder_resolve(company=company, box=box, on=received_on)
        if folder is None:
            raise ComptoirError(f"no folder for {recipient}")
        source = {"message_id": read.message_id, "from": read.sender or mail_from, "envelope_from": mail_from,
                  "subject": read.subject, "recipient": recipient.lower()}
        stored_before = len(result.stored)
        for attachment in read.attachments:
            sha256 = hashlib.sha256(attachment.data).hexdigest()
            if _already_stored(company=company, message_id=read.message_id, recipient=source["recipient"],
                               sha256=sha256):
                result.duplicates += 1
                continue
            # An e-invoice is filed in the month it was issued (several invoices in one mail, several months).
            issued = invoice_issue_date_peek(data=attachment.data, filename=attachment.filename, sha256=sha256)
            by_issue = mailbox_folder_resolve(company=company, box=box, on=issued) if issued else None
            target = by_issue if by_issue is not None and by_issue.month == issued.replace(day=1) else folder
            try:
                document = document_deposit(folder=target, file=ContentFile(attachment.data),
                                            channel=Channel.EMAIL, actor=None, filename=attachment.filename,
                                            source=source)
            except ComptoirError as refusal:
                result.refused.append({"filename": attachment.filename, "reason": refusal.message})
                audit_event_record(actor=None, action="intake.email.refused", firm_id=company.firm_id,
                                   data={"recipient": recipient, "filename": attachment.filename[:200],
                                         "reason": refusal.message, "message_id": read.message_id})
                continue
            result.stored.append(document)
        usable = len(result.stored) > stored_before or result.duplicates
        if not usable:
            _store_whole_message(raw=raw, company=company, received_on=received_on, read_subject=read.subject,
                                 source={**source, "whole_message": True, "refused": result.refused},
                                 result=result)
    return result


def _store_whole_message(*, raw: bytes, company: Company, received_on, read_subject: str, source: dict,
                         result: MailIngestResult) -> None:
    """No usable attachment: the message itself goes to "À classer", so nothing is ever dropped."""
    folder = unsorted_folder_resolve(company=company, on=received_on)
    if folder is None:
        raise ComptoirError(f"no 'À classer' folder for {company.slug}")
    sha256 = hashlib.sha256(raw).hexdigest()
    if _already_stored(company=company, message_id=source["message_id"], recipient=source["recipient"],
                       sha256=sha256):
        result.duplicates += 1
        return
    try:
        document = document_deposit(folder=folder, file=ContentFile(raw), channel=Channel.EMAIL, actor=None,
                                    filename=_eml_name(read_subject), source=source)
    except UnsupportedFileType:
        # Garbage the type sniffer refuses (NUL bytes, a "#!" first line…): keep a readable copy rather
        # than lose the message, and say so in its source.
        document = document_deposit(folder=folder, file=ContentFile(_eml_normalised(raw)), channel=Channel.EMAIL,
                                    actor=None, filename=_eml_name(read_subject), source={**source, "normalised": True})
    result.stored.append(document)


_CP1252_HOLES = bytes.maketrans(b"\x00\x81\x8d\x8f\x90\x9d", b"??????")


def _eml_normalised(raw: bytes) -> bytes:
    return b"X-Comptoir-Intake: normalised\r\n" + raw.translate(_CP1252_HOLES)
