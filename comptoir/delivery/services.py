"""Sending the outbox: claim due deliveries with a lease, send each outside any transaction, record the outcome.

The `Delivery` table is the truth and `partners.outbox` is the only module that writes it; this one
adds what the worker does around it: run the partner class's transport, keep the attempt history
(`DeliveryAttempt`), queue failure notices, and apply the retry schedule.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.core.errors import ComptoirError
from comptoir.core.metrics import delivery_outcome_counted
from comptoir.core.services import audit_event_record
from comptoir.delivery.models import AttemptOutcome, DeliveryAttempt, FailureNotice
from comptoir.delivery.retry_schedule import attempts_exhausted, retry_delay
from comptoir.partners.catalogue.registry import app_find
from comptoir.partners.methods import PushedReceivable
from comptoir.partners.models import Delivery, DeliveryStatus
from comptoir.partners.outbox import (
    Settlement,
    deliveries_claim_due,
    deliveries_release,
    deliveries_settle,
    delivery_claim,
    delivery_duplicate_release,
    delivery_release,
    delivery_reset,
    lease_duration,
)
from comptoir.partners.receivables import receivable_record_pushed
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
    """Send claimed deliveries in turn, then record their outcomes in one transaction; how many were tried.

    The rest of the batch is given back at once when the worker is stopping, or when its leases may
    no longer be ours: `lease_fresh` (the worker's heartbeat renewed them lately), or without a
    heartbeat, once half of the claim's lease has gone by. One write per batch instead of one per
    message is what leaves SQLite's single writer to the deposits.
    """
    tried: list[Attempt] = []
    try:
        for position, delivery in enumerate(deliveries):
            fresh = lease_fresh() if lease_fresh is not None else (
                timezone.now() < delivery.lease_until - lease_duration() / 2)
            if stopping() or not fresh:
                deliveries_release(deliveries=deliveries[position:])
                break
            tried.append(_attempt(delivery))
    finally:
        if tried:
            deliveries_outcomes_record(attempts=tried, worker_id=worker_id)
    return len(tried)


def _stale_connection_reason(delivery: Delivery) -> str:
    connection_row = delivery.destination.connection
    if connection_row.installation.removed_at is not None:
        return "Application retirée avant l'envoi."
    if connection_row.revoked_at is not None:
        return "Connexion supprimée avant l'envoi."
    if app_find(delivery.app_slug) is None:
        return "Application inconnue du catalogue."
    return ""


@dataclass
class Attempt:
    delivery: Delivery
    outcome: AttemptOutcome | None
    reply: str
    started_at: datetime
    finished_at: datetime
    address: str
    cancelled: str = ""
    # What the transport reported it created at the partner, recorded with the outcome.
    receivable: PushedReceivable | None = None


def _attempt(delivery: Delivery) -> Attempt:
    """Send one claimed delivery by its partner class's transport. Never inside a transaction."""
    started_at = timezone.now()
    cancelled = _stale_connection_reason(delivery)
    if cancelled:
        return Attempt(delivery=delivery, outcome=None, reply="", started_at=started_at, finished_at=started_at,
                       address="", cancelled=cancelled)
    # What the transport reads below, kept for the history: the connection may be corrected later.
    address = delivery.destination.address.strip()
    receivable = None
    try:
        sent = app_find(delivery.app_slug).delivery_send(delivery)
        reply, receivable, outcome = sent.reply, sent.receivable, AttemptOutcome.SENT
    except TransientError as exc:
        outcome, reply = AttemptOutcome.TRANSIENT, exc.reply
    except PermanentError as exc:
        outcome, reply = AttemptOutcome.PERMANENT, exc.reply
    except Exception as exc:
        # Our own bug or storage trouble: keep the row alive and let the backoff try again.
        logger.exception("delivery %s: unexpected error", delivery.pk)
        outcome, reply = AttemptOutcome.TRANSIENT, f"Erreur interne : {type(exc).__name__}: {exc}"
    return Attempt(delivery=delivery, outcome=outcome, reply=reply, started_at=started_at,
                   finished_at=timezone.now(), address=address, receivable=receivable)


def delivery_attempt_run(*, delivery: Delivery, worker_id: str) -> Delivery:
    """Send a delivery this worker has claimed, then record what happened."""
    deliveries_outcomes_record(attempts=[_attempt(delivery)], worker_id=worker_id)
    return delivery


@transaction.atomic
def deliveries_outcomes_record(*, attempts: list[Attempt], worker_id: str) -> None:
    """The batch's outcomes (through the outbox), its attempt history, and notices for what failed."""
    settlements = []
    for attempt in attempts:
        attempts_made = attempt.delivery.attempts
        retry_at = None if attempts_exhausted(attempts_made) else attempt.finished_at + retry_delay(attempts_made)
        settlements.append(Settlement(delivery=attempt.delivery, outcome=attempt.outcome or "permanent",
                                      reply=attempt.reply, retry_at=retry_at, reason=attempt.cancelled))
    held = deliveries_settle(settlements=settlements)
    DeliveryAttempt.objects.bulk_create([
        DeliveryAttempt(delivery=attempt.delivery, number=attempt.delivery.attempts, started_at=attempt.started_at,
                        finished_at=attempt.finished_at, outcome=attempt.outcome, reply=attempt.reply[:4000],
                        address=attempt.address[:500], worker_id=worker_id)
        for attempt in attempts if not attempt.cancelled
    ])
    for attempt in attempts:
        delivery = attempt.delivery
        if delivery.pk not in held:
            logger.warning("delivery %s: lease lost by %s before the outcome (%s)", delivery.pk, worker_id,
                           attempt.outcome)
            continue
        if attempt.receivable is not None and delivery.status == DeliveryStatus.SENT:
            receivable_record_pushed(delivery=delivery, pushed=attempt.receivable)
        delivery_outcome_counted(app=delivery.app_slug, outcome=delivery.status, deposited_at=delivery.created_at,
                                 started_at=attempt.started_at, finished_at=attempt.finished_at)
        if delivery.status in RETRYABLE_BY_PERSON:
            FailureNotice.objects.create(delivery=delivery, firm_id=delivery.firm_id)
            audit_event_record(actor=None, action=f"delivery.{delivery.status}", target=delivery,
                               firm_id=delivery.firm_id,
                               data={"reply": attempt.reply[:500], "attempts": delivery.attempts})


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


@transaction.atomic
def delivery_send_anyway(*, delivery: Delivery, actor: User | None) -> Delivery:
    """« Envoyer quand même », for two holds: a file skipped because the partner already has the same bytes
    (`duplicate_of`), sent again; or a file held « à compléter » (an e-invoice we could not read), sent by
    email as it is (an API push needs the invoice's data: complete it instead)."""
    if delivery.status == DeliveryStatus.SKIPPED and delivery.duplicate_of_id:
        duplicate_of_id = delivery.duplicate_of_id
        if not delivery_duplicate_release(delivery=delivery):
            raise ComptoirError(_("Seuls les envois écartés comme doublons peuvent être envoyés quand même."),
                                status=409)
        audit_event_record(actor=actor, action="delivery.send_anyway", target=delivery, firm_id=delivery.firm_id,
                           data={"duplicate_of": duplicate_of_id})
        delivery.refresh_from_db()
        return delivery
    if delivery.status != DeliveryStatus.INCOMPLETE:
        raise ComptoirError(_("Seuls les envois à compléter peuvent être envoyés quand même."), status=409)
    if not delivery.can_send_as_is:
        raise ComptoirError(_("Un envoi par l'API a besoin des données de la facture : complétez-les."), status=409)
    if not delivery_release(delivery=delivery):
        raise ComptoirError(_("Seuls les envois à compléter peuvent être envoyés quand même."), status=409)
    audit_event_record(actor=actor, action="delivery.send_anyway", target=delivery, firm_id=delivery.firm_id,
                       data={"document_id": delivery.document_id})
    delivery.refresh_from_db()
    return delivery
