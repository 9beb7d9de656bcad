"""The embedded default's outgoing mail: a local SMTP sink that keeps every message as an .eml file.

`comptoir serve` starts it on loopback and EMAIL_URL points at it unless set, so a newcomer sees the
Upflow email arrive, with its attachment, on the "Boîte d'envoi locale" page.
"""

import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import parsedate_to_datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

MAX_LISTED = 200
# The demo's failing company sends here: the sink refuses it (550), so a newcomer sees "échec",
# fixes the address and retries (README tour, step 5).
REFUSED_ADDRESS = "upflow-refus@factures.localhost"


def outbox_dir() -> Path:
    return settings.DATA_DIR / "outbox"


class SinkHandler:
    """aiosmtpd handler: accept everything and write it to the outbox directory."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.lower() == REFUSED_ADDRESS:
            return "550 5.1.1 Adresse inconnue de la boîte d'envoi locale (démo d'un échec)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        name = f"{timezone.now():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
        temporary = self.directory / f".{name}.tmp"
        temporary.write_bytes(envelope.original_content or envelope.content)
        os.replace(temporary, self.directory / name)
        return "250 Message accepted for delivery"


@dataclass(frozen=True)
class OutboxMessage:
    name: str
    to: str
    subject: str
    date: datetime | None
    attachments: list[str]
    # Set on partner deliveries (X-Comptoir-Delivery-Id): the page shows a firm only its own.
    delivery_id: int | None
    # Set on emails to people (invitations…: X-Comptoir-Firm-Id), for the same reason.
    firm_id: int | None = None
    # The text of an email to a person, so its link can be followed from the page.
    body: str = ""


def _delivery_id(message: EmailMessage) -> int | None:
    raw = str(message["X-Comptoir-Delivery-Id"] or "").strip()
    return int(raw) if raw.isdigit() else None


def _firm_id(message: EmailMessage) -> int | None:
    raw = str(message["X-Comptoir-Firm-Id"] or "").strip()
    return int(raw) if raw.isdigit() else None


def _text_body(message: EmailMessage) -> str:
    if _firm_id(message) is None:
        return ""
    part = message.get_body(preferencelist=("plain",))
    return part.get_content()[:5000] if part is not None else ""


def _parse(path: Path) -> EmailMessage:
    return message_from_bytes(path.read_bytes(), policy=default_policy)  # type: ignore[return-value]


def outbox_messages() -> list[OutboxMessage]:
    directory = outbox_dir()
    if not directory.is_dir():
        return []
    paths = sorted(directory.glob("*.eml"), reverse=True)[:MAX_LISTED]
    listed = []
    for path in paths:
        message = _parse(path)
        try:
            sent = parsedate_to_datetime(message["Date"]) if message["Date"] else None
        except (TypeError, ValueError):
            sent = None
        listed.append(OutboxMessage(
            name=path.name, to=str(message["To"] or ""), subject=str(message["Subject"] or ""), date=sent,
            attachments=[part.get_filename() or "piece-jointe" for part in message.iter_attachments()],
            delivery_id=_delivery_id(message), firm_id=_firm_id(message), body=_text_body(message),
        ))
    return listed


def outbox_attachment(*, name: str, index: int) -> tuple[int | None, str, str, bytes] | None:
    """(delivery id, file name, content type, bytes) of one attachment of a stored message, or None."""
    if "/" in name or "\\" in name or not name.endswith(".eml") or name.startswith("."):
        return None
    path = outbox_dir() / name
    if not path.is_file():
        return None
    message = _parse(path)
    attachments = list(message.iter_attachments())
    if not 0 <= index < len(attachments):
        return None
    part = attachments[index]
    return (_delivery_id(message), part.get_filename() or "piece-jointe", part.get_content_type(),
            part.get_payload(decode=True) or b"")


def sink_listener_start():
    """`comptoir serve`'s local SMTP sink, where EMAIL_URL points by default, in the listeners' process."""
    from aiosmtpd.controller import Controller

    from comptoir.core.mailers import smtp_relay

    relay = smtp_relay()
    # A fixed server name: aiosmtpd would otherwise look up this machine's FQDN on every connection.
    controller = Controller(SinkHandler(outbox_dir()), hostname=relay.host or "127.0.0.1", port=relay.port,
                            server_hostname=settings.MAIL_DOMAIN)
    controller.start()
    return controller
