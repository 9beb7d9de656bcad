"""A real SMTP server on loopback for tests (aiosmtpd), able to refuse the next messages on demand."""

import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy

from aiosmtpd.controller import Controller


@dataclass
class _Reply:
    reply: str
    stage: str  # "rcpt" or "data"


@dataclass
class Envelope:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


class _Handler:
    def __init__(self, server: "SmtpServer"):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        refusal = self.server._take_reply("rcpt")
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        refusal = self.server._take_reply("data")
        if refusal:
            return refusal
        message = message_from_bytes(envelope.original_content or envelope.content, policy=default_policy)
        self.server._store(Envelope(mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos), message=message))
        return "250 Message accepted for delivery"


class _LoopbackController(Controller):
    """aiosmtpd's Controller on a socket we bind ourselves to an ephemeral loopback port."""

    def __init__(self, handler):
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        super().__init__(handler, hostname="127.0.0.1", port=self._sock.getsockname()[1])

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self._sock, ssl=self.ssl_context)


@dataclass
class SmtpServer:
    """What tests see: `.port`, `.messages` (parsed EmailMessage), `.envelopes`, `wait_for`, `reply_with`."""

    host: str = "127.0.0.1"
    port: int = 0
    envelopes: list[Envelope] = field(default_factory=list)
    refused: int = 0
    _replies: deque = field(default_factory=deque)
    _lock: threading.Condition = field(default_factory=threading.Condition)
    _controller: _LoopbackController | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return [envelope.message for envelope in self.envelopes]

    def start(self) -> "SmtpServer":
        self._controller = _LoopbackController(_Handler(self))
        self._controller.start()
        self.port = self._controller.port
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def reply_with(self, reply: str, *, times: int = 1, stage: str = "data") -> None:
        """Answer the next `times` messages with `reply` (e.g. "550 5.1.1 mailbox unavailable").

        `stage` is "data" (the message is refused after its content) or "rcpt" (the recipient is).
        """
        if stage not in {"data", "rcpt"}:
            raise ValueError(stage)
        with self._lock:
            self._replies.extend(_Reply(reply, stage) for _ in range(times))

    def wait_for(self, count: int, *, timeout: float = 10.0) -> list[EmailMessage]:
        """Block until at least `count` messages were accepted; fail the test after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.envelopes) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"expected {count} messages, got {len(self.envelopes)} after {timeout}s")
                self._lock.wait(remaining)
            return [envelope.message for envelope in self.envelopes]

    def wait_until(self, predicate, *, timeout: float = 10.0, what: str = "condition") -> list[EmailMessage]:
        """Block until `predicate(messages)` is true, re-checked at each accepted message; fail after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not predicate([envelope.message for envelope in self.envelopes]):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"{what} not met after {timeout}s ({len(self.envelopes)} messages)")
                self._lock.wait(remaining)
            return [envelope.message for envelope in self.envelopes]

    def clear(self) -> None:
        with self._lock:
            self.envelopes.clear()
            self._replies.clear()

    def _take_reply(self, stage: str) -> str | None:
        with self._lock:
            if self._replies and self._replies[0].stage == stage:
                self.refused += 1
                return self._replies.popleft().reply
            return None

    def _store(self, envelope: Envelope) -> None:
        with self._lock:
            self.envelopes.append(envelope)
            self._lock.notify_all()


def mailers_point_at(settings, host: str, port: int, *, portal_mail: bool = True) -> None:
    """Point Django's MAILERS at an SMTP server: the delivery relay, and the portal's own mail too
    unless `portal_mail` is False (then it stays in `django.core.mail.outbox`)."""
    from comptoir.core.mailers import mailer_smtp

    relay = mailer_smtp(host=host, port=port, timeout=10)
    locmem = {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    settings.MAILERS = {"default": relay if portal_mail else locmem, "delivery": relay}
