"""The email transport: one message per document, sent over SMTP to the address read at send time.

The partner class writes the message (`email_subject`, `email_body`, `email_attachment_name`); this
module frames it with the headers every delivery carries (stable Message-ID, delivery id) and sends it.

The attachment is never whole in memory: the `email` package writes the headers, the text part and
the attachment part's headers around a placeholder, and the attachment's base64 body is encoded from
storage chunk by chunk straight into the DATA command of the thread's reused SMTP connection.
"""

import binascii
import re
import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formatdate
from typing import IO, TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError

from comptoir.core.mail import sender_header
from comptoir.ged.blobs import blob_open
from comptoir.ged.filenames import filename_sanitize
from comptoir.partners.addresses import email_address_normalise
from comptoir.partners.models import Delivery
from comptoir.partners.transports import PermanentError, TransientError, Transport
from comptoir.partners.transports.smtp_session import (
    smtp_session_discard,
    smtp_session_get,
    smtp_session_used,
)

if TYPE_CHECKING:
    from comptoir.partners.catalogue.base import PartnerApp

# base64 turns every 57 bytes into one 76-character line: chunks of whole lines, about 228 KB read.
LINE_BYTES = 57
CHUNK_BYTES = LINE_BYTES * 4096


def message_id_for(delivery_id: int) -> str:
    """Stable across retries, so a partner that saw the message once can drop the duplicate."""
    return f"<delivery-{delivery_id}@{settings.MAIL_DOMAIN}>"


def _recipient(raw: str) -> str:
    """The destination checked again at send time by the same rule as the connection form."""
    try:
        return email_address_normalise(raw)
    except ValidationError as exc:
        raise PermanentError(f"Adresse de destination invalide : « {(raw or '').strip()} »") from exc


def _message_with(app: "PartnerApp", delivery: Delivery, *, recipient: str, content: bytes) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender_header(delivery.document.company.firm.sender_display_name)
    message["To"] = recipient
    message["Subject"] = app.email_subject(delivery)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = message_id_for(delivery.pk)
    message["X-Comptoir-Delivery-Id"] = str(delivery.pk)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(app.email_body(delivery), cte="quoted-printable")
    maintype, _, subtype = (delivery.document.content_type or "application/octet-stream").partition("/")
    message.add_attachment(content, maintype=maintype, subtype=subtype or "octet-stream",
                           filename=filename_sanitize(app.email_attachment_name(delivery)))
    return message


def delivery_message_build(delivery: Delivery, *, recipient: str) -> EmailMessage:
    """The whole message in memory: what the sender streams, for comparisons (benchmark floor, checks)."""
    with blob_open(delivery.document.blob) as stream:
        content = stream.read()
    return _message_with(_app(delivery), delivery, recipient=recipient, content=content)


def _app(delivery: Delivery) -> "PartnerApp":
    from comptoir.partners.catalogue.registry import app_get

    return app_get(delivery.app_slug)


def _dot_stuffed(data: bytes) -> bytes:
    # DATA ends at a line holding a single dot: every line starting with one gets a second (RFC 5321 4.5.2).
    return re.sub(rb"(?m)^\.", b"..", data)


def delivery_message_frame(app: "PartnerApp", delivery: Delivery, *, recipient: str) -> tuple[bytes, bytes]:
    """The message around the attachment's base64 body, in wire form (CRLF, dot-stuffed): before and after.

    Built by the `email` package like the whole message, with a placeholder line for the body, so
    the headers (encodings, boundary, filename parameters) are exactly what it would write.
    """
    message = _message_with(app, delivery, recipient=recipient, content=b"")
    placeholder = f"comptoir-attachment-{uuid.uuid4().hex}"
    next(message.iter_attachments()).set_payload(placeholder + "\n")
    raw = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    before, found, after = raw.partition(placeholder.encode() + b"\r\n")
    if not found:
        raise RuntimeError("attachment placeholder missing from the generated message")
    return _dot_stuffed(before), _dot_stuffed(after)


def _read_full(stream: IO[bytes], size: int) -> bytes:
    """`size` bytes unless the stream ends: storages (S3) may return short reads, base64 lines may not be cut."""
    chunk = stream.read(size)
    if len(chunk) == size or not chunk:
        return chunk
    parts = [chunk]
    missing = size - len(chunk)
    while missing:
        more = stream.read(missing)
        if not more:
            break
        parts.append(more)
        missing -= len(more)
    return b"".join(parts)


def base64_lines(stream: IO[bytes]):
    """The stream as base64 lines of 76 characters ending in CRLF, one chunk of lines at a time."""
    while chunk := _read_full(stream, CHUNK_BYTES):
        encoded = binascii.b2a_base64(chunk, newline=False)
        yield b"".join([encoded[i:i + 76] + b"\r\n" for i in range(0, len(encoded), 76)])


def _reply_text(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {text}".strip()


def _classify(code: int, reply: str) -> Exception:
    # 5xx is the partner's server saying "never"; anything else is worth another try.
    return PermanentError(reply) if 500 <= code < 600 else TransientError(reply)


class _Refused(Exception):
    def __init__(self, code: int, text: bytes | str):
        super().__init__(code, text)
        self.code, self.text = code, text


def _transaction(client: smtplib.SMTP, *, recipient: str, before: bytes, after: bytes, stream: IO[bytes],
                 started: list) -> str:
    """MAIL, RCPT, then DATA written in chunks; `started` gets an item once message bytes are on the wire."""
    client.ehlo_or_helo_if_needed()  # once per connection; smtplib's mail() does not
    code, text = client.mail(settings.SENDER_ADDRESS, ["SMTPUTF8"] if _needs_smtputf8(recipient) else [])
    if code != 250:
        raise _Refused(code, text)
    code, text = client.rcpt(recipient)
    if code not in (250, 251):
        raise _Refused(code, text)
    # smtplib's data() wants the whole message as one bytes object: the DATA phase by hand instead.
    client.putcmd("data")
    code, text = client.getreply()
    if code != 354:
        raise _Refused(code, text)
    started.append(True)
    client.send(before)
    for lines in base64_lines(stream):
        client.send(lines)  # base64 lines never start with a dot: nothing to stuff
    client.send(after if after.endswith(b"\r\n") else after + b"\r\n")
    client.send(b".\r\n")
    code, text = client.getreply()
    if code != 250:
        raise _Refused(code, text)
    return _reply_text(code, text)


def _session() -> tuple[smtplib.SMTP, bool]:
    try:
        return smtp_session_get()
    except smtplib.SMTPResponseException as exc:
        # Including our relay refusing our credentials: retry while an admin fixes EMAIL_URL.
        raise TransientError(_reply_text(exc.smtp_code, exc.smtp_error)) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise TransientError(f"Serveur d'envoi injoignable : {exc or type(exc).__name__}") from exc


def _after_refusal(client: smtplib.SMTP, code: int) -> None:
    """A refused message must not poison the connection for the next one: reset it, or drop it."""
    if code == 421:  # the server is closing the connection
        smtp_session_discard()
        return
    try:
        client.rset()
    except (OSError, smtplib.SMTPException):
        smtp_session_discard()
    else:
        smtp_session_used()


class EmailTransport(Transport):

    def send(self, *, app: "PartnerApp", delivery: Delivery) -> str:
        return email_send(app=app, delivery=delivery)


def email_send(*, app: "PartnerApp", delivery: Delivery) -> str:
    """Send one delivery; return the server's reply to the message, or raise Transient/PermanentError."""
    recipient = _recipient(delivery.destination.address)
    before, after = delivery_message_frame(app, delivery, recipient=recipient)
    with blob_open(delivery.document.blob) as stream:
        for attempt in (1, 2):
            client, reused = _session()
            started: list = []
            # A reused connection the server closed while idle fails at MAIL: once more on a new one.
            # Never after message bytes left, when the server might hold (part of) the message.
            retry = reused and attempt == 1
            try:
                reply = _transaction(client, recipient=recipient, before=before, after=after, stream=stream,
                                     started=started)
            except _Refused as exc:
                _after_refusal(client, exc.code)
                if exc.code == 421 and retry and not started:
                    continue
                raise _classify(exc.code, _reply_text(exc.code, exc.text)) from exc
            except smtplib.SMTPResponseException as exc:
                _after_refusal(client, exc.smtp_code)
                raise _classify(exc.smtp_code, _reply_text(exc.smtp_code, exc.smtp_error)) from exc
            except (OSError, smtplib.SMTPException) as exc:
                smtp_session_discard()
                if retry and not started:
                    continue
                raise TransientError(f"Connexion interrompue : {exc or type(exc).__name__}") from exc
            except BaseException:
                # Storage trouble mid-DATA, or our own bug: the server must not take a truncated message.
                smtp_session_discard()
                raise
            smtp_session_used()
            return reply
    raise AssertionError("unreachable")  # pragma: no cover


def _needs_smtputf8(address: str) -> bool:
    return not address.isascii()
