"""Hardened reading of incoming mail with the standard library's `email` package (modern policy).

Nothing here trusts the message: every header read and every decode may fail and is guarded, the
walk stops after MAX_PARTS parts or MAX_DEPTH levels, and file names are only hints (the GED
sanitises them; storage keys never come from them).
"""

import logging
import mimetypes
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from email.policy import default as default_policy

logger = logging.getLogger(__name__)

MAX_PARTS = 200
MAX_DEPTH = 12
# Signature logos and tracking pixels: inline images smaller than this are not documents.
INLINE_IMAGE_MIN_BYTES = 5 * 1024


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    content_type: str


@dataclass
class ReadMessage:
    message_id: str = ""
    sender: str = ""
    subject: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    # True when the walk stopped early or the message could not be parsed at all.
    truncated: bool = False
    parsed: bool = True


def header_text(message: Message, name: str, *, limit: int = 500) -> str:
    """A header as one clean line, or "" when absent or unreadable (header injection stays harmless)."""
    try:
        value = message.get(name)
    except Exception:  # noqa: BLE001 - a hostile header must not stop the intake
        return ""
    if value is None:
        return ""
    try:
        text = str(value)
    except Exception:  # noqa: BLE001
        return ""
    text = " ".join(text.replace("\x00", " ").split())
    return text[:limit]


def message_parse(raw: bytes, *, headers_only: bool = False) -> EmailMessage | None:
    """The parsed message, or None; `headers_only` skips the body (a 200 KB attachment is most of the cost)."""
    try:
        parser = BytesHeaderParser if headers_only else BytesParser
        return parser(policy=default_policy).parsebytes(raw)
    except Exception:  # noqa: BLE001 - includes RecursionError on absurd nesting
        logger.warning("unparseable incoming message (%d bytes)", len(raw))
        return None


def _filename(part: Message) -> str:
    try:
        return part.get_filename() or ""
    except Exception:  # noqa: BLE001
        return ""


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        return b""
    return data if isinstance(data, bytes) else b""


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:  # noqa: BLE001
        return "application/octet-stream"


def _disposition(part: Message) -> str:
    try:
        return part.get_content_disposition() or ""
    except Exception:  # noqa: BLE001
        return ""


def _children(part: Message) -> list[Message]:
    try:
        payload = part.get_payload()
    except Exception:  # noqa: BLE001
        return []
    return [child for child in payload if isinstance(child, Message)] if isinstance(payload, list) else []


def _as_attachment(part: Message, index: int) -> Attachment | None:
    content_type = _content_type(part)
    disposition = _disposition(part)
    filename = _filename(part)
    if not filename and disposition != "attachment" and (
        content_type.startswith("text/") or content_type.startswith("multipart/")
    ):
        return None  # the body of the mail, not a document
    data = _payload(part)
    if not data:
        return None
    if content_type.startswith("image/") and len(data) < INLINE_IMAGE_MIN_BYTES and (
        disposition != "attachment" or header_text(part, "Content-ID")
    ):
        return None
    if not filename:
        extension = mimetypes.guess_extension(content_type) or ".bin"
        filename = f"piece-jointe-{index}{extension}"
    return Attachment(filename=filename, data=data, content_type=content_type)


def message_read(raw: bytes) -> ReadMessage:
    """Headers and usable attachments of a raw message; never raises."""
    message = message_parse(raw)
    if message is None:
        return ReadMessage(truncated=True, parsed=False)
    read = ReadMessage(
        message_id=header_text(message, "Message-ID", limit=250),
        sender=header_text(message, "From", limit=250),
        subject=header_text(message, "Subject", limit=200),
    )
    # Depth-first walk with an explicit stack: no recursion for the attacker to exhaust.
    stack: list[tuple[Message, int]] = [(message, 0)]
    seen = 0
    while stack:
        part, depth = stack.pop()
        seen += 1
        if seen > MAX_PARTS:
            read.truncated = True
            break
        children = _children(part)
        if children or _content_type(part).startswith("multipart/") or _content_type(part) == "message/rfc822":
            if depth >= MAX_DEPTH:
                read.truncated = True
                continue
            stack.extend((child, depth + 1) for child in reversed(children))
            continue
        attachment = _as_attachment(part, len(read.attachments) + 1)
        if attachment is not None:
            read.attachments.append(attachment)
    return read
