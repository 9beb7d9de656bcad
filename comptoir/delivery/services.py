"""Sending the outbox: claim a due delivery with a lease, send it outside any transaction, record the outcome.

The `Delivery` table is the truth. A claim is one conditional UPDATE, so two workers can never both
own a row; a worker that dies leaves a lease that expires and the row is claimed again. The only
window for a duplicate is between the partner's acceptance and our commit of `sent`.
"""

import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.core.errors import ComptoirError
from comptoir.core.metrics import delivery_outcome_counted
from comptoir.core.services import audit_event_record
from comptoir.delivery.models import AttemptOutcome, DeliveryAttempt, FailureNotice
from comptoir.delivery.policy import attempts_exhausted, retry_delay
from comptoir.delivery.transports import PermanentError, TransientError, transport_for
from comptoir.delivery.transports.message import folder_paths_attach
from comptoir.partners.models import Delivery, DeliveryStatus
from comptoir.partners.wakeups import deliveries_wake

logger = logging.getLogger(__name__)

RETRYABLE_BY_PERSON = {DeliveryStatus.FAILED, DeliveryStatus.DEAD}


def _lease() -> timedelta:
    return timedelta(seconds=settings.COMPTOIR_DELIVERY_LEASE_SECONDS)


def delivery_due_q(now: datetime) -> Q:
    waiting = Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING]) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    abandoned = Q(status=DeliveryStatus.SENDING, lease_until__lt=now)
    return waiting | abandoned


def _claim(*, ids: list[int], worker_id: str, now: datetime) -> list[Delivery]:
    """One conditional UPDATE over `ids`, then one fetch of the rows this very claim took.

    A claim is known by its worker and lease end: the same worker's earlier claim on these rows
    ended before `now` (they were due again), so its lease end differs.
    """
    lease_until = now + _lease()
    claimed = Delivery.objects.filter(delivery_due_q(now), pk__in=ids).update(
        status=DeliveryStatus.SENDING,
        lease_until=lease_until,
        leased_by=worker_id,
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    if not claimed:
        return []
    deliveries = list(
        Delivery.objects.select_related(
            "document__company__firm", "document__folder", "document__depositor",
            "destination__connection__installation",
        )
        .filter(pk__in=ids, leased_by=worker_id, status=DeliveryStatus.SENDING, lease_until=lease_until)
        .order_by("id")
    )
    folder_paths_attach(deliveries)
    return deliveries


def delivery_claim(*, delivery_id: int, worker_id: str, now: datetime | None = None) -> Delivery | None:
    """Take a due delivery for `worker_id` with one conditional UPDATE; None if it is not due or taken."""
    claimed = _claim(ids=[delivery_id], worker_id=worker_id, now=now or timezone.now())
    return claimed[0] if claimed else None


def delivery_claim_due(*, worker_id: str, limit: int = 1, now: datetime | None = None) -> list[Delivery]:
    """Claim up to `limit` due deliveries among the oldest, in one conditional UPDATE.

    A batch saves the per-claim queries when one thread drains a backlog; it stays small and takes
    at most a quarter of the due rows seen, so a burst of a few still fans out over the other
    threads and processes, and a killed worker strands few rows until their lease expires.
    """
    now = now or timezone.now()
    candidates = Delivery.objects.filter(delivery_due_q(now)).order_by("id").values_list("pk", flat=True)
    # A plain read first: idle sweeps take no lock (SQLite's write lock, PostgreSQL's row locks).
    window = list(candidates[: max(limit * 8, 16)])
    if not window:
        return []
    take = max(1, min(limit, len(window) // 4))
    if connection.vendor == "postgresql":
        # Row locks let many workers take different rows in one pass instead of racing for the first.
        with transaction.atomic():
            ids = list(candidates.select_for_update(skip_locked=True)[:take])
            return _claim(ids=ids, worker_id=worker_id, now=now) if ids else []
    # SQLite has one writer at a time; the conditional UPDATE alone is the guard. Shuffling the window
    # keeps concurrent workers from all racing for the same oldest rows.
    random.shuffle(window)
    for start in range(0, len(window), take):
        claimed = _claim(ids=window[start:start + take], worker_id=worker_id, now=now)
        if claimed:
            return claimed
    return []


def delivery_claims_release(*, deliveries: list[Delivery], worker_id: str) -> int:
    """Give back claimed deliveries not tried yet (the worker stops, or their lease runs short).

    They become abandoned rows whose lease has just ended, due for any sweep at once, and the
    attempt their claim counted is taken back since none was made.
    """
    if not deliveries:
        return 0
    now = timezone.now()
    return Delivery.objects.filter(
        pk__in=[delivery.pk for delivery in deliveries], leased_by=worker_id, status=DeliveryStatus.SENDING,
        lease_until__in={delivery.lease_until for delivery in deliveries},
    ).update(attempts=F("attempts") - 1, lease_until=now, updated_at=now)


def delivery_batch_send(*, deliveries: list[Delivery], worker_id: str,
                        stopping: Callable[[], bool] = lambda: False) -> int:
    """Send claimed deliveries in turn; how many were tried.

    The lease started with the claim, so the rest of the batch is given back once half of it has
    gone by (a slow partner), or when the worker is stopping, rather than kept until it expires.
    """
    for position, delivery in enumerate(deliveries):
        if stopping() or timezone.now() >= delivery.lease_until - _lease() / 2:
            delivery_claims_release(deliveries=deliveries[position:], worker_id=worker_id)
            return position
        delivery_attempt_run(delivery=delivery, worker_id=worker_id)
    return len(deliveries)


def _stale_connection_reason(delivery: Delivery) -> str:
    connection_row = delivery.destination.connection
    if connection_row.installation.removed_at is not None:
        return "Application retirée avant l'envoi."
    if connection_row.revoked_at is not None:
        return "Connexion supprimée avant l'envoi."
    return ""


def delivery_attempt_run(*, delivery: Delivery, worker_id: str) -> Delivery:
    """Send a delivery this worker has claimed, then record what happened. Never inside a transaction."""
    started_at = timezone.now()
    cancelled = _stale_connection_reason(delivery)
    if cancelled:
        Delivery.objects.filter(pk=delivery.pk, leased_by=worker_id, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.CANCELLED, reason=cancelled, lease_until=None, updated_at=started_at)
        delivery.refresh_from_db()
        return delivery
    # What the transport reads below, kept for the history: the connection may be corrected later.
    address = delivery.destination.address.strip()
    try:
        reply = transport_for(delivery)(delivery)
        outcome = AttemptOutcome.SENT
    except TransientError as exc:
        outcome, reply = AttemptOutcome.TRANSIENT, exc.reply
    except PermanentError as exc:
        outcome, reply = AttemptOutcome.PERMANENT, exc.reply
    except Exception as exc:
        # Our own bug or storage trouble: keep the row alive and let the backoff try again.
        logger.exception("delivery %s: unexpected error", delivery.pk)
        outcome, reply = AttemptOutcome.TRANSIENT, f"Erreur interne : {type(exc).__name__}: {exc}"
    return delivery_outcome_record(delivery=delivery, worker_id=worker_id, outcome=outcome, reply=reply,
                                   started_at=started_at, address=address)


@transaction.atomic
def delivery_outcome_record(*, delivery: Delivery, worker_id: str, outcome: AttemptOutcome, reply: str,
                            started_at: datetime, address: str = "") -> Delivery:
    now = timezone.now()
    fields: dict = {"lease_until": None, "updated_at": now}
    if outcome == AttemptOutcome.SENT:
        fields.update(status=DeliveryStatus.SENT, sent_at=now, last_error="", next_attempt_at=None)
    elif outcome == AttemptOutcome.PERMANENT:
        fields.update(status=DeliveryStatus.FAILED, last_error=reply, next_attempt_at=None)
    elif attempts_exhausted(delivery.attempts):
        fields.update(status=DeliveryStatus.DEAD, last_error=reply, next_attempt_at=None)
    else:
        fields.update(status=DeliveryStatus.RETRYING, last_error=reply,
                      next_attempt_at=now + retry_delay(delivery.attempts))
    # Only while we still hold the lease: a worker that overran it must not overwrite the new owner.
    held = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING, leased_by=worker_id,
                                   attempts=delivery.attempts).update(**fields)
    DeliveryAttempt.objects.create(delivery=delivery, number=delivery.attempts, started_at=started_at,
                                   finished_at=now, outcome=outcome, reply=reply[:4000], address=address[:500],
                                   worker_id=worker_id)
    if not held:
        logger.warning("delivery %s: lease lost by %s before the outcome (%s)", delivery.pk, worker_id, outcome)
    elif fields["status"] in RETRYABLE_BY_PERSON:
        FailureNotice.objects.create(delivery=delivery, firm_id=delivery.firm_id)
        audit_event_record(actor=None, action=f"delivery.{fields['status']}", target=delivery,
                           firm_id=delivery.firm_id, data={"reply": reply[:500], "attempts": delivery.attempts})
    if held:
        delivery_outcome_counted(app=delivery.app_slug, outcome=fields["status"], deposited_at=delivery.created_at,
                                 started_at=started_at, finished_at=now)
        # What the UPDATE wrote, without reading the row back.
        for name, value in fields.items():
            setattr(delivery, name, value)
    else:
        delivery.refresh_from_db()
    return delivery


def delivery_send(*, delivery_id: int, worker_id: str, now: datetime | None = None) -> Delivery | None:
    """Claim and send one delivery. None when it is not due (sent, taken by another worker, cancelled…)."""
    delivery = delivery_claim(delivery_id=delivery_id, worker_id=worker_id, now=now)
    if delivery is None:
        return None
    return delivery_attempt_run(delivery=delivery, worker_id=worker_id)


@transaction.atomic
def delivery_retry(*, delivery: Delivery, actor: User | None) -> Delivery:
    """A person asks to try a failed or abandoned delivery again, e.g. after correcting the address."""
    reset = Delivery.objects.filter(pk=delivery.pk, status__in=RETRYABLE_BY_PERSON).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=None, lease_until=None, leased_by="",
        updated_at=timezone.now(),
    )
    if not reset:
        raise ComptoirError(_("Seuls les envois en échec ou abandonnés peuvent être réessayés."), status=409)
    audit_event_record(actor=actor, action="delivery.retry", target=delivery, firm_id=delivery.firm_id,
                       data={"previous_status": delivery.status, "last_error": delivery.last_error[:500]})
    deliveries_wake([delivery.pk])
    delivery.refresh_from_db()
    return delivery
