"""One SMTP connection per worker thread, kept open and reused for consecutive sends.

A new connection per message costs the server's greeting, EHLO and QUIT (three round trips and the
server's set-up) for every document. The connection lives in a thread-local: smtplib clients are not
thread-safe, and each worker thread sends one message at a time. Only threads that ask for it keep
their connection (`smtp_sessions_kept`: the worker's threads, which close it when idle and at exit);
anywhere else a send opens and QUITs its own. A kept connection is dropped when the settings it was
opened with change, and checked with NOOP after a long idle.
"""

import contextlib
import functools
import smtplib
import ssl
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.mail.utils import DNS_NAME

# Servers drop idle clients (RFC 5321 asks for 5 minutes, many wait less): past this, NOOP first.
CHECK_AFTER_IDLE = 30.0
# The worker closes a connection idle this long rather than hold a slot on the partner's relay.
CLOSE_AFTER_IDLE = 60.0


@dataclass
class _Held:
    client: smtplib.SMTP
    key: tuple
    last_used: float


_local = threading.local()


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Loading the CA bundle costs tens of milliseconds of CPU: once per process, and only for TLS.
    return ssl.create_default_context()


def _settings_key() -> tuple:
    return (settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_SSL, settings.EMAIL_USE_TLS,
            settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD, settings.EMAIL_TIMEOUT)


def smtp_connect() -> smtplib.SMTP:
    # Django's cached FQDN: smtplib would otherwise do a (possibly slow) reverse lookup per connection.
    timeout = settings.EMAIL_TIMEOUT
    if settings.EMAIL_USE_SSL:
        client: smtplib.SMTP = smtplib.SMTP_SSL(settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=timeout,
                                                 context=_tls_context(), local_hostname=DNS_NAME.get_fqdn())
    else:
        client = smtplib.SMTP(settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=timeout,
                              local_hostname=DNS_NAME.get_fqdn())
        if settings.EMAIL_USE_TLS:
            client.starttls(context=_tls_context())
    if settings.EMAIL_HOST_USER:
        client.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
    return client


def _alive(client: smtplib.SMTP) -> bool:
    try:
        return client.noop()[0] == 250
    except (OSError, smtplib.SMTPException):
        return False


def smtp_session_get() -> tuple[smtplib.SMTP, bool]:
    """This thread's connection, opened if needed; True when it served before (the server may have dropped it).

    Connection errors propagate (smtplib's or OSError), as from `smtp_connect`.
    """
    held = getattr(_local, "held", None)
    if held is not None:
        if held.key != _settings_key():
            smtp_session_close()
        elif time.monotonic() - held.last_used > CHECK_AFTER_IDLE and not _alive(held.client):
            smtp_session_discard()
        else:
            return held.client, True
    client = smtp_connect()
    _local.held = _Held(client=client, key=_settings_key(), last_used=time.monotonic())
    return client, False


@contextlib.contextmanager
def smtp_sessions_kept():
    """Within it, this thread keeps its SMTP connection between sends; it is closed on the way out."""
    _local.keep = True
    try:
        yield
    finally:
        _local.keep = False
        smtp_session_close()


def smtp_session_used() -> None:
    """The transaction ended cleanly: the connection is ready for the next message, or QUIT if not kept."""
    held = getattr(_local, "held", None)
    if held is None:
        return
    if getattr(_local, "keep", False):
        held.last_used = time.monotonic()
    else:
        smtp_session_close()


def smtp_session_discard() -> None:
    """Drop the connection without a word: it is broken or in an unknown state (e.g. mid-DATA)."""
    held = getattr(_local, "held", None)
    _local.held = None
    if held is not None:
        held.client.close()


def smtp_session_close() -> None:
    """QUIT politely (best effort) and forget the connection."""
    held = getattr(_local, "held", None)
    _local.held = None
    if held is None:
        return
    try:
        held.client.quit()
    except (OSError, smtplib.SMTPException):
        held.client.close()


def smtp_session_close_idle(max_idle: float = CLOSE_AFTER_IDLE) -> None:
    held = getattr(_local, "held", None)
    if held is not None and time.monotonic() - held.last_used > max_idle:
        smtp_session_close()
