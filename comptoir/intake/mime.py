"""Hardened reading of incoming mail with the standard library's `email` package, within limits.

Nothing here trusts the message. The limits (MAX_PARTS parts, MAX_DEPTH levels, MAX_HEADERS header
fields in the whole message) are enforced *while* parsing: the stdlib's feed parser is fed the bytes
in chunks and creates each part through a factory of ours that counts parts, depth and header fields,
and raises `MessageOverLimit` the moment one is passed. A 100,000-part message is refused after its
201st part, not after parsing the rest. The header block is read on its own first (`message_head`),
so that the sender is authenticated before the body is walked.

Parts are parsed with the `compat32` policy (plain strings, no header objects: several times cheaper
on a 200 KB base64 attachment); the few headers shown to people (From, Subject, Message-ID) come
from the header block read with the modern policy. File names are only hints (the GED sanitises
them; storage keys never come from them).
"""

import logging
import mimetypes
import re
from dataclasses import dataclass, field
from email.feedparser import BytesFeedParser
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.policy import default as default_policy

logger = logging.getLogger(__name__)

MAX_PARTS = 200
MAX_DEPTH = 12
MAX_HEADERS = 1000
FEED_CHUNK = 64 * 1024
# Signature logos and tracking pixels: inline images smaller than this are not documents.
INLINE_IMAGE_MIN_BYTES = 5 * 1024

_HEAD_END = re.compile(rb"\r?\n\r?\n")
_FIELD_START = re.compile(rb"(?m)^[^ \t\r\n]")


class MessageOverLimit(Exception):  # noqa: N818 - a refusal, answered as such by the listener
    """The message passes one of the limits: the listener answers `reply` and keeps nothing."""

    def __init__(self, *, limit: str, reply: str):
        super().__init__(reply)
        self.limit = limit
        self.reply = reply


def _over(limit: str) -> MessageOverLimit:
    replies = {
        "parts": f"552 5.3.4 Message refusé : plus de {MAX_PARTS} parties MIME",
        "depth": f"554 5.6.0 Message refusé : plus de {MAX_DEPTH} niveaux d'imbrication MIME",
        "headers": f"552 5.3.4 Message refusé : plus de {MAX_HEADERS} champs d'en-tête",
    }
    return MessageOverLimit(limit=limit, reply=replies[limit])


@dataclass
class _Budget:
    parts: int = 0
    headers: int = 0


class _CountedPart(Message):
    """A part that counts itself, its header fields and its depth against the message's budget."""

    def __init__(self, policy=compat32, *, budget: _Budget):
        super().__init__(policy)
        self._budget = budget
        self._depth = 0
        budget.parts += 1
        if budget.parts > MAX_PARTS:
            raise _over("parts")

    def set_raw(self, name, value):
        self._budget.headers += 1
        if self._budget.headers > MAX_HEADERS:
            raise _over("headers")
        super().set_raw(name, value)

    def attach(self, payload):
        # The feed parser attaches each part to its parent before reading the part's own content.
        payload._depth = self._depth + 1
        if payload._depth > MAX_DEPTH:
            raise _over("depth")
        super().attach(payload)


@dataclass(frozen=True)
class MessageHead:
    """The header block alone, read with the modern policy (what authentication and people see)."""

    headers: Message | None
    # The raw header block, as received (its Received: and Authentication-Results: order matters).
    raw: bytes

    def text(self, name: str, *, limit: int = 500) -> str:
        return header_text(self.headers, name, limit=limit) if self.headers is not None else ""


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
    # False when the message could not be parsed at all (it is then kept whole, as .eml).
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


def message_head(raw: bytes) -> MessageHead:
    """The header block of a message; raises MessageOverLimit past MAX_HEADERS fields, before parsing them."""
    end = _HEAD_END.search(raw)
    block = raw[:end.end()] if end else raw
    if len(_FIELD_START.findall(block)) > MAX_HEADERS:
        raise _over("headers")
    try:
        headers = BytesHeaderParser(policy=default_policy).parsebytes(block)
    except Exception:  # noqa: BLE001
        logger.warning("unparseable header block (%d bytes)", len(block))
        headers = None
    return MessageHead(headers=headers, raw=block)


def message_tree(raw: bytes) -> Message | None:
    """The parsed message, or None when it cannot be parsed; raises MessageOverLimit as soon as a limit is passed."""
    budget = _Budget()
    policy = compat32.clone(message_factory=lambda policy=compat32: _CountedPart(policy, budget=budget))
    parser = BytesFeedParser(policy=policy)
    try:
        for start in range(0, len(raw), FEED_CHUNK):
            parser.feed(raw[start:start + FEED_CHUNK])
        return parser.close()
    except MessageOverLimit:
        raise
    except Exception:  # noqa: BLE001 - a parser bug on hostile input is an unreadable message, not a crash
        logger.warning("unparseable incoming message (%d bytes)", len(raw))
        return None


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
        if "=?" in name:  # RFC 2047 encoded words, which compat32 leaves as they are
            name = str(make_header(decode_header(name)))
        return name
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


def message_read(raw: bytes, *, head: MessageHead | None = None) -> ReadMessage:
    """Headers and usable attachments of a raw message; raises MessageOverLimit, nothing else."""
    head = head or message_head(raw)
    read = ReadMessage(message_id=head.text("Message-ID", limit=250), sender=head.text("From", limit=250),
                       subject=head.text("Subject", limit=200))
    message = message_tree(raw)
    if message is None:
        read.parsed = False
        return read
    # Depth-first walk with an explicit stack (the parse already bounded its size and depth).
    stack: list[Message] = [message]
    while stack:
        part = stack.pop()
        children = _children(part)
        if children:
            stack.extend(reversed(children))
            continue
        if _content_type(part).startswith("multipart/") or _content_type(part) == "message/rfc822":
            continue
        attachment = _as_attachment(part, len(read.attachments) + 1)
        if attachment is not None:
            read.attachments.append(attachment)
    return read
