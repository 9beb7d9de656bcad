"""Sending the outbox: claim due deliveries with a lease, send each outside any transaction, record the outcome.

The `Delivery` table is the truth and `partners.outbox` is the only module that writes it; this one
adds what the worker does around it: run the partner class's transport, keep the attempt history
(`DeliveryAttempt`), queue failure notices, and apply the retry schedule.
"""

import logging
from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.core.errors import ComptoirError
from comptoir.core.services import audit_event_record
from comptoir.delivery.models import AttemptOutcome, DeliveryAttempt, FailureNotice
from comptoir.delivery.retry_schedule import attempts_exhausted, retry_delay
from comptoir.partners.catalogue.registry import app_find
from comptoir.partners.models import Delivery, DeliveryStatus
from comptoir.partners.outbox import (
    deliveries_claim_due,
    deliveries_release,
    delivery_claim,
    delivery_reset,
    delivery_settle,
    lease_duration,
)
from comptoir.partners.transports import PermanentError, TransientError
from comptoir.partners.transports.message import folder_paths_attach

logger = logging.getLogger(__name__)

RETRYABLE_BY_PERSON = {DeliveryStatus.FAILED, DeliveryStatus.DEAD}


def delivery_claim_due(*, worker_id: str, limit: int = 1, now: datetime | None = None) -> list[Delivery]:
    """Claim up to `limit` due deliveries (the outbox's claim) with their folder paths for the messages."""
    deliveries = deliveries_claim_due(worker_id=worker_id, limit=limit, now=now)
    if deliveries:
        folder_paths_attach(deliveries)
    return deliveries


def delivery_batch_send(*, deliveries: list[Delivery], worker_id: str,
                        stopping: Callable[[], bool] = lambda: False,
                        lease_fresh: Callable[[], bool] | None = None) -> int:
    """Send claimed deliveries in turn; how many were tried.

    The rest of the batch is given back at once when the worker is stopping, or when its leases may
    no longer be ours: `lease_fresh` (the worker's heartbeat renewed them lately), or without a
    heartbeat, once half of the claim's lease has gone by.
    """
    for position, delivery in enumerate(deliveries):
        fresh = lease_fresh() if lease_fresh is not None else (
            timezone.now() < delivery.lease_until - lease_duration() / 2)
        if stopping() or not fresh:
            deliveries_release(deliveries=deliveries[position:])
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
    app = app_find(delivery.app_slug)
    if not cancelled and app is None:
        cancelled = "Application inconnue du catalogue."
    if cancelled:
        delivery_settle(delivery=delivery, outcome="permanent", reply="", retry_at=None, reason=cancelled)
        return delivery
    # What the transport reads below, kept for the history: the connection may be corrected later.
    address = delivery.destination.address.strip()
    try:
        reply = app.delivery_send(delivery)
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
    retry_at = None if attempts_exhausted(delivery.attempts) else now + retry_delay(delivery.attempts)
    # Only while we still hold the claim: a worker that lost it must not overwrite the new owner.
    held = delivery_settle(delivery=delivery, outcome=outcome, reply=reply, retry_at=retry_at)
    DeliveryAttempt.objects.create(delivery=delivery, number=delivery.attempts, started_at=started_at,
                                   finished_at=now, outcome=outcome, reply=reply[:4000], address=address[:500],
                                   worker_id=worker_id)
    if not held:
        logger.warning("delivery %s: lease lost by %s before the outcome (%s)", delivery.pk, worker_id, outcome)
    elif delivery.status in RETRYABLE_BY_PERSON:
        FailureNotice.objects.create(delivery=delivery, firm_id=delivery.firm_id)
        audit_event_record(actor=None, action=f"delivery.{delivery.status}", target=delivery,
                           firm_id=delivery.firm_id, data={"reply": reply[:500], "attempts": delivery.attempts})
    return delivery


def delivery_send(*, delivery_id: int, worker_id: str, now: datetime | None = None) -> Delivery | None:
    """Claim and send one delivery. None when it is not due (sent, taken by another worker, cancelled…)."""
    delivery = delivery_claim(delivery_id=delivery_id, worker_id=worker_id, now=now)
    if delivery is None:
        return None
    folder_paths_attach([delivery])
    return delivery_attempt_run(delivery=delivery, worker_id=worker_id)


@transaction.atomic
def delivery_retry(*, delivery: Delivery, actor: User | None) -> Delivery:
    """A person asks to try a failed or abandoned delivery again, e.g. after correcting the address."""
    if not delivery_reset(delivery=delivery):
        raise ComptoirError(_("Seuls les envois en échec ou abandonnés peuvent être réessayés."), status=409)
    audit_event_record(actor=actor, action="delivery.retry", target=delivery, firm_id=delivery.firm_id,
                       data={"previous_status": delivery.status, "last_error": delivery.last_error[:500]})
    delivery.refresh_from_db()
    return delivery
