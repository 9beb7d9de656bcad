"""The mail-in listener: an aiosmtpd SMTP or LMTP server in front of `mail_message_ingest`.

The handler is async; the database and storage work runs in a worker thread, and the reply is
only 250 once every document is committed. Any storage or database failure answers 451 so that
the sending MTA keeps the message and retries.
"""

import asyncio
import logging
import socket

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP
from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone

from comptoir.core.metrics import mailin_reply_counted
from comptoir.intake.mime import MessageOverLimit
from comptoir.intake.services.mail_in import REFUSED_REPLY, mail_message_ingest, mail_recipient_refusal

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
TEMPORARY_FAILURE = "451 4.3.0 Erreur temporaire de stockage, réessayez plus tard"


def mail_max_bytes() -> int:
    return int(getattr(settings, "COMPTOIR_MAIL_MAX_BYTES", DEFAULT_MAX_BYTES))


def _sqlite_keep_open() -> None:
    """A SQLite connection outlives CONN_MAX_AGE here: a local file is never stale, and opening one
    (its functions, its pragmas) costs more than a small message's queries. A broken one is still closed."""
    for connection in connections.all(initialized_only=True):
        if connection.vendor == "sqlite":
            connection.close_at = None


def _in_worker_thread(function, /, **kwargs):
    """Run Django code from the event loop's worker thread: a fresh connection, closed afterwards,
    except SQLite's, which the thread keeps (see above)."""
    _sqlite_keep_open()
    close_old_connections()
    try:
        return function(**kwargs)
    finally:
        _sqlite_keep_open()
        close_old_connections()
        for connection in connections.all(initialized_only=True):
            if connection.vendor != "sqlite":
                connection.close()


class MailInHandler:
    """aiosmtpd handler: refuse unknown recipients at RCPT, authenticate and file the message at DATA.

    `dnsfunc` answers the DKIM key look-ups (dkimpy's resolver when None; tests inject theirs).
    """

    def __init__(self, *, lmtp: bool = False, dnsfunc=None):
        self.lmtp = lmtp
        self.dnsfunc = dnsfunc

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        try:
            refusal = await asyncio.to_thread(_in_worker_thread, mail_recipient_refusal, address=address)
        except Exception:
            logger.exception("mail-in: recipient check failed for %r", address)
            refusal = TEMPORARY_FAILURE
        mailin_reply_counted(stage="rcpt", reply=refusal or "250")
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        try:
            result = await asyncio.to_thread(_in_worker_thread, mail_message_ingest, raw=raw,
                                             mail_from=envelope.mail_from or "", recipients=list(envelope.rcpt_tos),
                                             received_at=timezone.now(), dnsfunc=self.dnsfunc)
        except MessageOverLimit as over:
            # Refused whole, nothing kept: the same answer for every recipient, which names the limit.
            logger.warning("mail-in: message from %r refused (%s limit) for %s", envelope.mail_from, over.limit,
                           envelope.rcpt_tos)
            replies = [over.reply] * max(1, len(envelope.rcpt_tos))
            for reply in replies:
                mailin_reply_counted(stage="data", reply=reply)
            return "\r\n".join(replies) if self.lmtp else over.reply
        except Exception:
            logger.exception("mail-in: could not store a message for %s", envelope.rcpt_tos)
            replies = [TEMPORARY_FAILURE] * max(1, len(envelope.rcpt_tos))
        else:
            logger.info("mail-in: %d document(s) stored, %d quarantined, %d file(s) refused, %d recipient(s) "
                        "refused by policy, for %s", len(result.stored), len(result.quarantined),
                        len(result.refused), len(result.refused_recipients), envelope.rcpt_tos)
            refused = {address.lower() for address in result.refused_recipients}
            # The same answer for every refusal and no bounce text that tells the policy.
            replies = [REFUSED_REPLY if address.lower() in refused else "250 2.0.0 Message enregistré"
                       for address in envelope.rcpt_tos] or ["250 2.0.0 Message enregistré"]
        for reply in replies:
            mailin_reply_counted(stage="data", reply=reply)
        if self.lmtp:
            # LMTP answers once per accepted recipient.
            return "\r\n".join(replies)
        # SMTP has one answer: refused only when every recipient refuses it.
        accepted = [reply for reply in replies if reply != REFUSED_REPLY]
        return accepted[0] if accepted else REFUSED_REPLY


class MailInController(Controller):
    """aiosmtpd's threaded Controller; port 0 binds an ephemeral port (tests) that `.port` then tells."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 2525, lmtp: bool = False,
                 max_bytes: int | None = None, dnsfunc=None):
        self.lmtp = lmtp
        self._sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        super().__init__(MailInHandler(lmtp=lmtp, dnsfunc=dnsfunc), hostname=host, port=self._sock.getsockname()[1],
                         data_size_limit=max_bytes or mail_max_bytes(), server_hostname=settings.MAIL_DOMAIN)

    def factory(self):
        server_class = LMTP if self.lmtp else SMTP
        return server_class(self.handler, **self.SMTP_kwargs)

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self._sock, ssl=self.ssl_context)


def mail_in_listener_start() -> MailInController:
    """`comptoir serve`'s mail-in, on loopback at COMPTOIR_MAILIN_PORT, in the listeners' process."""
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command at INFO
    controller = MailInController(host="127.0.0.1", port=settings.COMPTOIR_MAILIN_PORT)
    controller.start()
    return controller
