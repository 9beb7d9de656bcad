"""The outbox: every write to a `Delivery` row, in one vocabulary. Other modules call these functions.

    create (pending, skipped with the partner's reason, or incomplete) → complete (incomplete → pending) →
    claim (sending, leased) → settle
    (sent · retrying · failed · dead) ; release (a claim given back untried) ; renew (a live worker's
    leases) ; cancel (connection or app removed) ; reset (a person retries a failed/dead row)

A claim is one conditional UPDATE that stamps the row with a claim token (`leased_by`, the worker
thread's id and a per-claim number): the token, not the clock, says whose claim it is, so a lease
renewed by the worker's heartbeat never confuses it. A live worker renews its leases every few
seconds; a killed worker's leases run out within `COMPTOIR_DELIVERY_LEASE_SECONDS` and any sweep takes
the rows again. The only window for a duplicate is between the partner's acceptance and `settle`.

`Delivery` lives in `partners` because the deposit's transaction creates it (the routing subscriber);
`delivery` (the worker) sits above and calls this module for everything else.
"""

import itertools
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from comptoir.ged.models import Document
from comptoir.jobs.wakeups import work_wake
from comptoir.partners.models import Delivery, DeliveryStatus, Destination

CANCELLABLE = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING, DeliveryStatus.INCOMPLETE)
RESETTABLE = (DeliveryStatus.FAILED, DeliveryStatus.DEAD)
Outcome = Literal["sent", "transient", "permanent"]
# What the message or request is built from, in the claim's one query: the invoice facts (reverse
# one-to-one: a missing row is cached as none, where a plain access would query again each time).
CLAIM_RELATED = ("document__company__firm", "document__folder", "document__depositor", "document__invoice_facts",
                 "company", "destination__connection__installation")

_claim_numbers = itertools.count(1)


def lease_duration() -> timedelta:
    return timedelta(seconds=settings.COMPTOIR_DELIVERY_LEASE_SECONDS)


def delivery_due_q(now: datetime) -> Q:
    """Due: waiting and its time has come, or being sent under a lease that ran out (a dead worker)."""
    waiting = Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING]) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    abandoned = Q(status=DeliveryStatus.SENDING, lease_until__lt=now)
    return waiting | abandoned


# --- create and cancel (partners: inside the deposit's or the removal's transaction) ---------------


def delivery_create_once(*, document: Document, destination: Destination, app_slug: str, refusal: str,
                         trigger: str, incomplete: bool = False,
                         duplicate_of: Document | None = None) -> Delivery | None:
    """The new row (pending, skipped with `refusal`, or incomplete: an API push waiting for the invoice's
    data), or None when this paper already has one here."""
    status = DeliveryStatus.SKIPPED if refusal else (DeliveryStatus.INCOMPLETE if incomplete
                                                     else DeliveryStatus.PENDING)
    defaults = {
        "document": document, "company_id": document.company_id,
        "firm_id": destination.connection.installation.firm_id, "app_slug": app_slug, "trigger": trigger,
        "status": status, "reason": refusal, "duplicate_of": duplicate_of,
    }
    try:
        # A savepoint, so that a concurrent insert losing the unique race leaves the deposit intact.
        with transaction.atomic():
            delivery, created = Delivery.objects.get_or_create(lineage=document.lineage, destination=destination,
                                                               defaults=defaults)
    except IntegrityError:
        return None
    if not created:
        return None
    if delivery.status == DeliveryStatus.PENDING:
        work_wake()
    return delivery


def deliveries_complete(*, document) -> int:
    """The invoice's data was completed: this document's incomplete deliveries become pending (and are
    woken). Its copies' deliveries are not: each copy is completed where it is (its folder's audience)."""
    completed = Delivery.objects.filter(document=document, status=DeliveryStatus.INCOMPLETE).update(
        status=DeliveryStatus.PENDING, next_attempt_at=None, updated_at=timezone.now())
    if completed:
        work_wake()
    return completed


def delivery_held_decide(*, delivery: Delivery, status: str, reason: str = "") -> bool:
    """A delivery held « à compléter » decided once its invoice could be read again: pending, or skipped with
    its reason. Only while it is still held, so a person's release or a cancellation in between stands."""
    return bool(Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.INCOMPLETE).update(
        status=status, reason=reason, updated_at=timezone.now()))


def delivery_release(*, delivery: Delivery) -> bool:
    """A person sends an incomplete delivery as it is (« envoyer quand même »): incomplete → pending."""
    released = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.INCOMPLETE).update(
        status=DeliveryStatus.PENDING, next_attempt_at=None, updated_at=timezone.now())
    if released:
        work_wake()
    return bool(released)


def deliveries_cancel(*, deliveries: QuerySet[Delivery], reason: str) -> int:
    """Cancel what is still waiting (pending, retrying); a row being sent finishes and is then cancelled."""
    return deliveries.filter(status__in=CANCELLABLE).update(status=DeliveryStatus.CANCELLED, reason=reason,
                                                             next_attempt_at=None, updated_at=timezone.now())


# --- claim, renew, release (the worker) ------------------------------------------------------------


def claim_token(worker_id: str) -> str:
    return f"{worker_id}/{next(_claim_numbers)}"


def _claim(*, ids: list[int], worker_id: str, now: datetime) -> list[Delivery]:
    token = claim_token(worker_id)
    claimed = Delivery.objects.filter(delivery_due_q(now), pk__in=ids).update(
        status=DeliveryStatus.SENDING, lease_until=now + lease_duration(), leased_by=token,
        attempts=F("attempts") + 1, updated_at=now,
    )
    if not claimed:
        return []
    return list(Delivery.objects.select_related(*CLAIM_RELATED)
                .filter(pk__in=ids, leased_by=token, status=DeliveryStatus.SENDING).order_by("id"))


def delivery_claim(*, delivery_id: int, worker_id: str, now: datetime | None = None) -> Delivery | None:
    """Take one due delivery with one conditional UPDATE; None if it is not due or already taken."""
    claimed = _claim(ids=[delivery_id], worker_id=worker_id, now=now or timezone.now())
    return claimed[0] if claimed else None


def deliveries_claim_due(*, worker_id: str, limit: int = 1, now: datetime | None = None) -> list[Delivery]:
    """Claim up to `limit` due deliveries among the oldest.

    A plain read first, so idle sweeps take no lock. On PostgreSQL `SKIP LOCKED` lets many workers
    take different rows in one pass; on SQLite (one writer) the conditional UPDATE is the guard and a
    shuffled window keeps concurrent workers from racing for the same oldest rows. At most a quarter
    of the due rows seen are taken, so a burst still fans out over the other threads and processes.
    """
    now = now or timezone.now()
    candidates = Delivery.objects.filter(delivery_due_q(now)).order_by("id").values_list("pk", flat=True)
    window = list(candidates[: max(limit * 8, 16)])
    if not window:
        return []
    take = max(1, min(limit, len(window) // 4))
    if connection.vendor == "postgresql":
        with transaction.atomic():
            ids = list(candidates.select_for_update(skip_locked=True)[:take])
            return _claim(ids=ids, worker_id=worker_id, now=now) if ids else []
    random.shuffle(window)
    for start in range(0, len(window), take):
        claimed = _claim(ids=window[start:start + take], worker_id=worker_id, now=now)
        if claimed:
            return claimed
    return []


def deliveries_lease_renew(*, process: str, now: datetime | None = None) -> int:
    """The heartbeat of a live worker process: every row it is sending keeps its lease."""
    now = now or timezone.now()
    return Delivery.objects.filter(status=DeliveryStatus.SENDING, leased_by__startswith=f"{process}:").update(
        lease_until=now + lease_duration())


def deliveries_release(*, deliveries: Iterable[Delivery]) -> int:
    """Give back claimed rows not tried yet: due at once for any sweep, the claim's attempt taken back."""
    tokens = {delivery.leased_by for delivery in deliveries}
    ids = [delivery.pk for delivery in deliveries]
    if not ids:
        return 0
    now = timezone.now()
    return Delivery.objects.filter(pk__in=ids, leased_by__in=tokens, status=DeliveryStatus.SENDING).update(
        attempts=F("attempts") - 1, lease_until=now, leased_by="", updated_at=now)


def deliveries_lease_end(*, process: str) -> int:
    """A dead worker's leases end now, for any sweep to take; the attempts stand (it may have sent)."""
    return Delivery.objects.filter(status=DeliveryStatus.SENDING, leased_by__startswith=f"{process}:").update(
        lease_until=timezone.now())


def deliveries_release_process(*, process: str) -> int:
    """A worker stopping gracefully gives back whatever it still holds (nothing waits for a lease)."""
    now = timezone.now()
    return Delivery.objects.filter(status=DeliveryStatus.SENDING, leased_by__startswith=f"{process}:").update(
        attempts=F("attempts") - 1, lease_until=now, leased_by="", updated_at=now)


# --- settle (the worker, after the send) and reset (a person) ----------------------------------------


@dataclass
class Settlement:
    """What became of one claimed delivery: `outcome` and the partner's `reply`; `retry_at` is when a
    transient error is tried again (None: the attempts are exhausted, dead); a `reason` instead
    cancels the row (its connection or app went away before the send)."""

    delivery: Delivery
    outcome: Outcome
    reply: str = ""
    retry_at: datetime | None = None
    reason: str = ""

    def fields(self, now: datetime) -> dict:
        fields: dict = {"lease_until": None, "updated_at": now}
        if self.reason:
            fields.update(status=DeliveryStatus.CANCELLED, reason=self.reason)
        elif self.outcome == "sent":
            fields.update(status=DeliveryStatus.SENT, sent_at=now, last_error="", next_attempt_at=None)
        elif self.outcome == "permanent":
            fields.update(status=DeliveryStatus.FAILED, last_error=self.reply, next_attempt_at=None)
        elif self.retry_at is None:
            fields.update(status=DeliveryStatus.DEAD, last_error=self.reply, next_attempt_at=None)
        else:
            fields.update(status=DeliveryStatus.RETRYING, last_error=self.reply, next_attempt_at=self.retry_at)
        return fields


def deliveries_settle(*, settlements: list[Settlement]) -> set[int]:
    """Record a batch's outcomes while the claims are still ours; the ids written (a lost claim writes nothing).

    The sent rows of one claim are one UPDATE (the common case: a batch, one write); the others, one each.
    """
    now = timezone.now()
    held: set[int] = set()
    sent: dict[str, list[Settlement]] = {}
    for settlement in settlements:
        if settlement.outcome == "sent" and not settlement.reason:
            sent.setdefault(settlement.delivery.leased_by, []).append(settlement)
            continue
        fields = settlement.fields(now)
        if Delivery.objects.filter(pk=settlement.delivery.pk, status=DeliveryStatus.SENDING,
                                   leased_by=settlement.delivery.leased_by).update(**fields):
            held.add(settlement.delivery.pk)
    for token, group in sent.items():
        ids = [settlement.delivery.pk for settlement in group]
        fields = group[0].fields(now)
        written = Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.SENDING, leased_by=token).update(**fields)
        if written == len(ids):
            held.update(ids)
        elif written:
            held.update(Delivery.objects.filter(pk__in=ids, leased_by=token, status=DeliveryStatus.SENT,
                                                sent_at=now).values_list("pk", flat=True))
    for settlement in settlements:
        if settlement.delivery.pk in held:
            for name, value in settlement.fields(now).items():
                setattr(settlement.delivery, name, value)
        else:
            settlement.delivery.refresh_from_db()
    return held


def delivery_duplicate_release(*, delivery: Delivery) -> bool:
    """A row skipped as the same bytes as an earlier one, back to pending; False if it was not one."""
    released = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SKIPPED,
                                       duplicate_of__isnull=False).update(
        status=DeliveryStatus.PENDING, reason="", duplicate_of=None, attempts=0, next_attempt_at=None,
        updated_at=timezone.now())
    if released:
        work_wake()
    return bool(released)


def delivery_reset(*, delivery: Delivery) -> bool:
    """A failed or dead row back to pending, attempts from zero; False if it was not failed or dead."""
    reset = Delivery.objects.filter(pk=delivery.pk, status__in=RESETTABLE).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=None, lease_until=None, leased_by="",
        updated_at=timezone.now())
    if reset:
        work_wake()
    return bool(reset)


def delivery_refused_after_send(*, delivery: Delivery, reason: str) -> bool:
    """The partner accepted the send, then refused what it received (a PA's acknowledgement `Error`,
    a 213 « Rejetée »): the delivery is failed with the partner's words, so a person sees it; False if it
    was not sent (already failed, or still in the outbox)."""
    from comptoir.core.services import audit_event_record

    with transaction.atomic():
        failed = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENT).update(
            status=DeliveryStatus.FAILED, last_error=reason[:2000], updated_at=timezone.now())
        if failed:
            audit_event_record(actor=None, action="delivery.refused_after_send", target=delivery,
                               firm_id=delivery.firm_id, data={"reason": reason[:500]})
    return bool(failed)
