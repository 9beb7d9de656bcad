"""Receivables: what a partner's API says of the invoices Comptoir pushed (state, amount outstanding).

Written when a push succeeds (`receivable_record_pushed`, what the method's `send` reported, in the
settlement's transaction) and by the periodic status sync (`receivables_sync`, a job on the worker's
scheduler every COMPTOIR_UPFLOW_SYNC_SECONDS), for the methods that declare `status_back`:
incremental, it reads only the invoices not yet paid. An unknown state keeps the last known one.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from comptoir.core.services import audit_event_record
from comptoir.firms.policy import can_see_firm_only_folders
from comptoir.jobs.scheduler import PeriodicJob
from comptoir.partners.catalogue.registry import app_find
from comptoir.partners.methods import PushedReceivable
from comptoir.partners.models import Delivery, Receivable, ReceivableState
from comptoir.partners.transports import DeliveryError

logger = logging.getLogger(__name__)

SYNC_JOB = "receivables_sync"


def receivable_record_pushed(*, delivery: Delivery, pushed: PushedReceivable) -> Receivable:
    """The pushed invoice's ids and facts (state unknown until the first sync)."""
    with transaction.atomic():
        receivable, _created = Receivable.objects.update_or_create(
            delivery=delivery,
            defaults={"document_id": delivery.document_id, "company_id": delivery.company_id,
                      "app_slug": delivery.app_slug, "external_id": pushed.external_id, "remote_id": pushed.remote_id,
                      "is_credit_note": pushed.is_credit_note, "number": pushed.number,
                      "customer_name": pushed.customer_name, "issue_date": pushed.issue_date,
                      "due_date": pushed.due_date, "currency": pushed.currency or "EUR",
                      "gross_amount": pushed.gross_amount})
        audit_event_record(actor=None, action="partners.receivable_pushed", target=receivable,
                           firm_id=delivery.firm_id, data={"app": delivery.app_slug, "remote_id": pushed.remote_id})
    return receivable


def _to_sync():
    return (Receivable.objects.filter(is_credit_note=False, delivery__destination__connection__revoked_at__isnull=True)
            .exclude(state=ReceivableState.PAID)
            .select_related("delivery__destination__connection").order_by("id"))


def receivables_sync(scope: str = "") -> int:
    """Read back every pushed invoice not yet paid; how many changed."""
    changed = 0
    for receivable in list(_to_sync()):  # read whole: no cursor held open across the HTTP calls
        app = app_find(receivable.app_slug)
        method = app.method_for_destination(receivable.delivery.destination.key) if app is not None else None
        if method is None or not method.status_back:
            continue
        try:
            status = method.status_fetch(app=app, connection=receivable.delivery.destination.connection,
                                         external_id=receivable.external_id)
        except DeliveryError as exc:
            logger.warning("receivable %s: status not read (%s)", receivable.pk, exc.reply)
            continue
        changed += receivable_status_record(receivable=receivable, state=status.state, raw_state=status.raw_state,
                                            amount_outstanding=status.amount_outstanding, found=status.found)
    return changed


def receivable_status_record(*, receivable: Receivable, state: str | None, raw_state: str, amount_outstanding,
                             found: bool = True) -> bool:
    """Record one read; True when the state or the amount changed."""
    now = timezone.now()
    if not found:
        logger.warning("receivable %s: %s not found at the partner", receivable.pk, receivable.external_id)
        return False
    if state is None:
        logger.warning("receivable %s: unknown state %r from %s, last known state kept", receivable.pk, raw_state,
                       receivable.app_slug)
        state = receivable.state
    changed = (state, amount_outstanding) != (receivable.state, receivable.amount_outstanding)
    fields = {"synced_at": now, "state": state}
    if amount_outstanding is not None:
        fields["amount_outstanding"] = amount_outstanding
    if state == ReceivableState.PAID and receivable.paid_at is None:
        fields["paid_at"] = now
    Receivable.objects.filter(pk=receivable.pk).update(**fields)
    return changed


def sync_job() -> PeriodicJob:
    return PeriodicJob(name=SYNC_JOB, run=receivables_sync,
                       every=timedelta(seconds=max(1, settings.COMPTOIR_UPFLOW_SYNC_SECONDS)))


# --- reads ----------------------------------------------------------------------------------------


def receivable_for_document(*, document, user) -> Receivable | None:
    """The latest receivable of this paper (copies share a lineage) that `user` may see, for the badge and
    the API: a client user never learns what was sent from a copy the firm keeps in a firm-only folder."""
    receivables = Receivable.objects.filter(delivery__lineage=document.lineage, company_id=document.company_id)
    if not can_see_firm_only_folders(user):
        receivables = receivables.filter(delivery__document__folder__firm_only=False)
    return receivables.order_by("-id").first()


def receivable_api_dict(receivable: Receivable | None) -> dict | None:
    if receivable is None or not receivable.state or receivable.synced_at is None:
        return None
    outstanding = receivable.amount_outstanding
    return {"app": receivable.app_slug, "state": receivable.state,
            "amount_outstanding": f"{outstanding:.2f}" if outstanding is not None else None,
            "currency": receivable.currency, "synced_at": receivable.synced_at.isoformat()}
