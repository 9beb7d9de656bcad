"""Mail to people (invitations, failure reports, later resets, digests, reminders), through an outbox.

`mail_enqueue` is called inside the transaction that decided the mail: a rolled-back invitation
never goes out, a committed one always does, once, even if SMTP is down at the time. The worker
claims due mails with a lease (renewed by its heartbeat), sends them outside any transaction and
records the outcome: SMTP 5xx → failed, anything else → retrying with backoff, dead after
`MAX_ATTEMPTS`. The `key` (unique) makes a mail once: enqueueing the same key again adds nothing.

A mail may carry an HTML alternative (`html_body`, sent as multipart/alternative beside the text). A mail
queued with `secret=True` (its body holds a token) has its bodies emptied when it is sent, or when it
fails or dies: the row keeps who, what subject and when, never a working link.
"""

import itertools
import logging
import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from comptoir.core.mail import sender_header
from comptoir.jobs.backoff import backoff_delay
from comptoir.jobs.models import MailStatus, OutgoingMail
from comptoir.jobs.wakeups import work_wake

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
# What a mail never leaves (a person may only queue a new one).
FINAL_STATUSES = {MailStatus.SENT, MailStatus.FAILED, MailStatus.DEAD}
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=2)
_claims = itertools.count(1)


def _lease() -> timedelta:
    return timedelta(seconds=settings.COMPTOIR_DELIVERY_LEASE_SECONDS)


def mail_enqueue(*, key: str, to: list[str], subject: str, body: str, sender_name: str = "",
                 firm_id: int | None = None, reply_to: list[str] | None = None,
                 headers: dict[str, str] | None = None, html_body: str = "",
                 secret: bool = False) -> OutgoingMail | None:
    """Queue a mail in the caller's transaction; None when a mail with this key was already queued.

    `html_body`: an HTML alternative of `body` (which must say everything too). `secret`: the body holds a
    secret (a token), emptied from the row once sent.
    """
    try:
        with transaction.atomic():
            mail, created = OutgoingMail.objects.get_or_create(key=key, defaults={
                "to": list(to), "subject": subject, "body": body, "html_body": html_body, "secret": secret,
                "sender_name": sender_name,
                "firm_id": firm_id, "reply_to": list(reply_to or []), "headers": dict(headers or {})})
    except IntegrityError:
        return None
    if not created:
        return None
    work_wake()
    return mail


def _due_q(now: datetime) -> Q:
    waiting = Q(status__in=[MailStatus.PENDING, MailStatus.RETRYING]) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    return waiting | Q(status=MailStatus.SENDING, lease_until__lt=now)


def mails_claim_due(*, worker_id: str, limit: int = 10, now: datetime | None = None) -> list[OutgoingMail]:
    now = now or timezone.now()
    ids = list(OutgoingMail.objects.filter(_due_q(now)).order_by("id").values_list("pk", flat=True)[:limit])
    if not ids:
        return []
    token = f"{worker_id}/m{next(_claims)}"
    OutgoingMail.objects.filter(_due_q(now), pk__in=ids).update(
        status=MailStatus.SENDING, leased_by=token, lease_until=now + _lease(), attempts=F("attempts") + 1,
        updated_at=now)
    return list(OutgoingMail.objects.filter(pk__in=ids, leased_by=token, status=MailStatus.SENDING).order_by("id"))


def mails_lease_renew(*, process: str, now: datetime | None = None) -> int:
    now = now or timezone.now()
    return OutgoingMail.objects.filter(status=MailStatus.SENDING, leased_by__startswith=f"{process}:").update(
        lease_until=now + _lease())


def mails_lease_end(*, process: str) -> int:
    """A dead worker's mail leases end now; the attempts stand."""
    return OutgoingMail.objects.filter(status=MailStatus.SENDING, leased_by__startswith=f"{process}:").update(
        lease_until=timezone.now())


def mails_release_process(*, process: str) -> int:
    now = timezone.now()
    return OutgoingMail.objects.filter(status=MailStatus.SENDING, leased_by__startswith=f"{process}:").update(
        attempts=F("attempts") - 1, lease_until=now, leased_by="", updated_at=now)


def _message(mail: OutgoingMail) -> EmailMultiAlternatives:
    headers = {"Message-ID": f"<mail-{mail.pk}@{settings.MAIL_DOMAIN}>", "Auto-Submitted": "auto-generated",
               **mail.headers}
    message = EmailMultiAlternatives(subject=mail.subject, body=mail.body, to=mail.to,
                                     reply_to=mail.reply_to or None,
                                     from_email=sender_header(mail.sender_name or "Comptoir"), headers=headers)
    if mail.html_body:
        message.attach_alternative(mail.html_body, "text/html")
    return message


def _permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _text in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and 500 <= exc.smtp_code < 600


def mail_send(*, mail: OutgoingMail) -> OutgoingMail:
    """Send a claimed mail, then record the outcome while the claim is still ours."""
    try:
        _message(mail).send()
        error, permanent = "", False
    except (OSError, smtplib.SMTPException, ValueError) as exc:  # ValueError: a header that cannot be encoded
        error, permanent = f"{type(exc).__name__}: {exc}"[:2000], isinstance(exc, ValueError) or _permanent(exc)
        logger.warning("mail %s (%s) not sent: %s", mail.pk, mail.key, error)
    now = timezone.now()
    if not error:
        fields = {"status": MailStatus.SENT, "sent_at": now, "last_error": ""}
    elif permanent:
        fields = {"status": MailStatus.FAILED, "last_error": error}
    elif mail.attempts >= MAX_ATTEMPTS:
        fields = {"status": MailStatus.DEAD, "last_error": error}
    else:
        fields = {"status": MailStatus.RETRYING, "last_error": error,
                  "next_attempt_at": now + backoff_delay(attempts=mail.attempts, base=BACKOFF_BASE,
                                                         cap=BACKOFF_CAP, jitter=0.2)}
    if mail.secret and fields["status"] in FINAL_STATUSES:
        # Sent, failed or dead, the mail goes out no more: its working link is not kept either. (An
        # invitation sent again is a new mail, with a new token.)
        fields |= {"body": "", "html_body": ""}
    OutgoingMail.objects.filter(pk=mail.pk, leased_by=mail.leased_by, status=MailStatus.SENDING).update(
        lease_until=None, updated_at=now, **fields)
    mail.refresh_from_db()
    return mail


def mails_send_due(*, worker_id: str, limit: int = 10, now: datetime | None = None) -> int:
    """One worker turn: claim a few due mails and send them. Returns how many were tried."""
    mails = mails_claim_due(worker_id=worker_id, limit=limit, now=now)
    for mail in mails:
        mail_send(mail=mail)
    return len(mails)
