"""Collection mailboxes: what the mail-in listener does with a recipient and a message.

At RCPT only the address is checked (a mailbox of ours, with the company's current token). At the
end of DATA, in this order: the header block is read (at most MAX_HEADERS fields) and the sender
authenticated from it (`comptoir.intake.authentication`); each recipient's rule decides; only then
is the body walked, within its limits (`comptoir.intake.mime`), and a message over one is refused
whole (`MessageOverLimit`: 552/554 naming the limit) before anything is kept.

The rule of a mailbox: unauthenticated mail is never deposited. Where the folder the mail is filed
in routes to a payables partner (effectively switched on for an app that declares the invoice kinds
it takes: Upflow, a PA), the authenticated sender must also be on the company's allowed list;
elsewhere being authenticated is enough. What the rule does not deposit is quarantined
("À valider") or refused, with the same 550 text whatever the reason.
"""

import dataclasses
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.core.errors import ComptoirError
from comptoir.core.services import audit_event_record
from comptoir.firms.models import Company
from comptoir.ged.filetypes import UnsupportedFileType
from comptoir.ged.models import Channel, Document, Folder
from comptoir.ged.services import document_deposit
from comptoir.intake.authentication import SenderAuthentication, sender_authenticate, untrusted_results_strip
from comptoir.intake.mime import ReadMessage, message_head, message_read
from comptoir.intake.models import MailboxPolicy, QuarantinedDocument, QuarantineReason, UntrustedMail
from comptoir.intake.routes import MailRoute, mail_route_resolve
from comptoir.intake.selectors import (
    UNSORTED_BOX,
    company_mailbox_policy,
    mailbox_company,
    mailbox_folder_resolve,
    mailbox_payables_apps,
    policy_sender_allowed,
)
from comptoir.intake.services.quarantine import quarantine_hold
from comptoir.invoices.services import invoice_issue_date_peek

logger = logging.getLogger(__name__)

REFUSED_REPLY = "550 5.7.1 message refusé"


@dataclass
class MailIngestResult:
    stored: list[Document] = field(default_factory=list)
    quarantined: list[QuarantinedDocument] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)
    # Recipients whose company's policy refuses this message (answered 550 5.7.1, nothing kept).
    refused_recipients: list[str] = field(default_factory=list)


def mail_recipient_refusal(*, address: str, on: datetime | None = None) -> str | None:
    """The SMTP refusal for a recipient (550 …), or None when we take mail for it.

    Unknown, slug-only (unless kept) and rotated-away addresses get the same answer.
    """
    found = mailbox_company(address)
    if found is None:
        return None if mail_route_resolve(address) is not None else "550 5.1.1 Boîte inconnue"
    box, company = found
    if mailbox_folder_resolve(company=company, box=box, on=timezone.localdate(on or timezone.now())) is None:
        return "550 5.1.1 Boîte inconnue (dossier introuvable)"
    return None


def _key(*parts: str) -> str:
    """An idempotency key of bounded length from the parts that make a mail file the same file."""
    return "mail:" + hashlib.sha256("\n".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def _eml_name(subject: str) -> str:
    return f"{subject or _('Message sans objet')}.eml"


@dataclass(frozen=True)
class _Intake:
    """One message for one recipient mailbox, and what the policy decided for it."""

    raw: bytes
    read: ReadMessage
    company: Company
    box: str
    recipient: str
    received_at: datetime
    auth: SenderAuthentication
    policy: MailboxPolicy | None
    envelope_from: str
    message_identity: str
    route: MailRoute | None = None
    # Folder id → (the quarantine reason or None to deposit): the rule of the folder a file goes to.
    decisions: dict = field(default_factory=dict)

    @property
    def received_on(self) -> date:
        return timezone.localdate(self.received_at)

    @property
    def source(self) -> dict:
        return {"message_id": self.read.message_id, "from": self.read.sender or self.envelope_from,
                "envelope_from": self.envelope_from, "subject": self.read.subject, "recipient": self.recipient,
                "authentication": self.auth.summary}

    def file_key(self, sha256: str) -> str:
        return _key(self.recipient, self.message_identity, sha256)

    def folder(self, box: str) -> Folder:
        """Where the box files this mail; a missing folder is a temporary failure (451), not a refusal."""
        if self.route is not None:
            return self.route.folder
        folder = mailbox_folder_resolve(company=self.company, box=box, on=self.received_on)
        if folder is None:
            raise LookupError(f"no folder for {box} of {self.company.slug}")
        return folder

    def reason(self, folder: Folder) -> str | None:
        """Why a file filed in `folder` is held (None: it is deposited), by the rule of that folder."""
        if folder.pk not in self.decisions:
            self.decisions[folder.pk] = _quarantine_reason(
                auth=self.auth, policy=self.policy, senders=self.route.senders if self.route else frozenset(),
                strict=lambda: bool(mailbox_payables_apps(folder=folder)))
        return self.decisions[folder.pk]

    def keep(self, *, folder: Folder, box: str, data: bytes, filename: str, result: MailIngestResult,
             source: dict | None = None, key: str | None = None) -> None:
        """Deposit or quarantine one file, once per (mailbox, message, file)."""
        key = key or self.file_key(hashlib.sha256(data).hexdigest())
        reason = self.reason(folder)
        if reason is None:
            result.stored.append(document_deposit(folder=folder, file=ContentFile(data), channel=Channel.EMAIL,
                                                  actor=None, filename=filename, source=source or self.source,
                                                  idempotency_key=key))
            return
        result.quarantined.append(quarantine_hold(
            company=self.company, folder=folder, file=ContentFile(data), filename=filename, mailbox=box,
            recipient=self.recipient, reason=reason, authentication=self.auth.summary,
            sender=self.auth.from_address or self.read.sender, envelope_sender=self.envelope_from,
            subject=self.read.subject, message_id=self.read.message_id,
            message_key=_key(self.recipient, self.message_identity)[5:], idempotency_key=key,
            received_at=self.received_at))


def _quarantine_reason(*, auth: SenderAuthentication, policy: MailboxPolicy | None, senders: frozenset[str],
                       strict: Callable[[], bool]) -> str | None:
    """None to deposit; else why it is held. `strict()`: the folder routes to a payables partner (asked last)."""
    if not auth.authenticated:
        return QuarantineReason.UNAUTHENTICATED
    sender = (auth.from_address or "").lower()
    if sender in senders or policy_sender_allowed(policy=policy, sender=sender) or not strict():
        return None
    return QuarantineReason.SENDER_NOT_ALLOWED


def mail_message_ingest(*, raw: bytes, mail_from: str, recipients: list[str], received_at: datetime | None = None,
                        dnsfunc: Callable | None = None) -> MailIngestResult:
    """File every usable attachment of a message for each recipient mailbox; the whole .eml otherwise.

    Raises `MessageOverLimit` (the listener answers its 552/554) before anything is kept. Each file
    commits on its own with an idempotency key (mailbox + Message-ID + file hash): a failure raises
    (the listener answers 451) and the sender's retry stores nothing twice. Refused file types are
    skipped and recorded, never a reason to drop the message.
    """
    received_at = received_at or timezone.now()
    head = message_head(raw)
    auth = sender_authenticate(raw=raw, head=head, dnsfunc=dnsfunc)
    message_id = head.text("Message-ID", limit=250)
    identity = message_id or "sha256:" + hashlib.sha256(raw).hexdigest()
    result = MailIngestResult()
    intakes: list[tuple[_Intake, Folder]] = []
    for recipient in dict.fromkeys(address.lower() for address in recipients):
        found = mailbox_company(recipient)
        route = mail_route_resolve(recipient) if found is None else None
        if found is None and route is None:
            continue
        box, company = found or (route.box, route.company)
        intake = _Intake(raw=raw, read=ReadMessage(message_id=message_id), company=company, box=box,
                         recipient=recipient, received_at=received_at, auth=auth,
                         policy=company_mailbox_policy(company), envelope_from=mail_from,
                         message_identity=identity, route=route)
        folder = intake.folder(box)
        reason = intake.reason(folder)
        if reason is not None and intake.policy is not None and intake.policy.untrusted == UntrustedMail.REFUSE:
            result.refused_recipients.append(recipient)
            audit_event_record(actor=None, action="intake.email.policy_refused", firm_id=company.firm_id,
                               data={"recipient": recipient, "reason": reason, "sender": auth.from_address,
                                     "envelope_from": mail_from[:254], "message_id": message_id})
            continue
        intakes.append((intake, folder))
    if not intakes:
        return result  # refused or not ours: the body is never walked
    read = message_read(raw, head=head)  # MessageOverLimit here: nothing kept yet
    for intake, folder in intakes:
        intake = dataclasses.replace(intake, read=read)
        _keep_files(intake=intake, folder=folder, result=result)
    return result


def _keep_files(*, intake: _Intake, folder: Folder, result: MailIngestResult) -> None:
    company, box, recipient, read = intake.company, intake.box, intake.recipient, intake.read
    kept_before = len(result.stored) + len(result.quarantined)
    refused_here: list[dict] = []
    for attachment in read.attachments:
        # An e-invoice is filed in the month it was issued (several invoices in one mail, several months).
        sha256 = hashlib.sha256(attachment.data).hexdigest()
        issued = invoice_issue_date_peek(data=attachment.data, filename=attachment.filename, sha256=sha256)
        by_issue = mailbox_folder_resolve(company=company, box=box, on=issued) if issued else None
        target = by_issue if by_issue is not None and by_issue.month == issued.replace(day=1) else folder
        try:
            intake.keep(folder=target, box=box, data=attachment.data, filename=attachment.filename, result=result,
                        key=intake.file_key(sha256))
        except ComptoirError as refusal:
            refused_here.append({"filename": attachment.filename, "reason": refusal.message})
            audit_event_record(actor=None, action="intake.email.refused", firm_id=company.firm_id,
                               data={"recipient": recipient, "filename": attachment.filename[:200],
                                     "reason": refusal.message, "message_id": read.message_id})
    result.refused += refused_here
    if len(result.stored) + len(result.quarantined) == kept_before:
        _keep_whole_message(intake=intake, refused=refused_here, result=result)


def _keep_whole_message(*, intake: _Intake, refused: list[dict], result: MailIngestResult) -> None:
    """No usable attachment: the message itself goes to "À classer", so nothing is ever dropped."""
    raw = untrusted_results_strip(intake.raw)
    source = {**intake.source, "whole_message": True, "refused": refused}
    name = _eml_name(intake.read.subject)
    # A retransmission carries other Received: lines: the key is the message's, not its bytes'.
    key = intake.file_key("whole-message")
    folder = intake.folder(UNSORTED_BOX)
    try:
        intake.keep(folder=folder, box=UNSORTED_BOX, data=raw, filename=name, result=result, source=source,
                    key=key)
    except UnsupportedFileType:
        # Garbage the type sniffer refuses (NUL bytes, a "#!" first line…): keep a readable copy rather
        # than lose the message, and say so in its source.
        intake.keep(folder=folder, box=UNSORTED_BOX, data=_eml_normalised(raw), filename=name, result=result,
                    source={**source, "normalised": True}, key=key)


_CP1252_HOLES = bytes.maketrans(b"\x00\x81\x8d\x8f\x90\x9d", b"??????")


def _eml_normalised(raw: bytes) -> bytes:
    return b"X-Comptoir-Intake: normalised\r\n" + raw.translate(_CP1252_HOLES)
