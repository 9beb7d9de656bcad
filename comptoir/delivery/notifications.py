"""Permanent failures reported to the firm's admins: one email per firm listing everything new.

A periodic job (`FAILURE_REPORTS`, once a minute across all workers) queues the reports on the mail
outbox, so fifty failures in the same minute (a partner's mailbox closed) make one email, not fifty,
and a report survives an SMTP outage.
"""

import logging
import uuid
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from comptoir.delivery.models import FailureNotice
from comptoir.firms.models import Firm, Membership, Role
from comptoir.jobs.mail_outbox import mail_enqueue
from comptoir.jobs.scheduler import PeriodicJob
from comptoir.partners.catalogue.registry import app_find

logger = logging.getLogger(__name__)


def _admin_emails(firm_id: int) -> list[str]:
    return list(
        Membership.objects.filter(firm_id=firm_id, role=Role.FIRM_ADMIN, user__is_active=True)
        .values_list("user__email", flat=True)
    )


def _body(firm: Firm, notices: list[FailureNotice]) -> str:
    lines = [
        "Bonjour,",
        "",
        f"{len(notices)} envoi(s) vers des applications partenaires n'ont pas pu aboutir "
        "et attendent votre intervention :",
        "",
    ]
    for notice in notices:
        delivery = notice.delivery
        history = settings.BASE_URL + reverse("delivery:history", args=[delivery.app_slug])
        lines += [
            f"- {delivery.company.name} · « {delivery.document.name} » → {_app_name(delivery.app_slug)} "
            f"({delivery.destination.address})",
            f"  {delivery.get_status_display()} : {delivery.last_error or '—'}",
            f"  {history}?status={delivery.status}",
        ]
    lines += ["", "Corrigez l'adresse de destination si besoin, puis cliquez sur « réessayer »."]
    return "\n".join(lines) + "\n"


def _app_name(slug: str) -> str:
    """The app's name as the firm knows it (« Upflow »), never its slug."""
    app = app_find(slug)
    return app.name if app is not None else slug


@transaction.atomic
def failure_notices_send(*, worker_id: str = "scheduler") -> int:
    """Queue one report per firm whose deliveries failed since the last one. Returns the reports queued.

    The notices are claimed, reported and marked in one transaction with the queued mails, so a
    report is queued once, and the mail outbox sends it (once, retried while SMTP is down).
    """
    token = f"{worker_id}/{uuid.uuid4().hex[:12]}"
    ids = list(FailureNotice.objects.filter(notified_at__isnull=True, claimed_by="").values_list("pk", flat=True)[:500])
    if not ids:
        return 0
    FailureNotice.objects.filter(pk__in=ids, claimed_by="", notified_at__isnull=True).update(claimed_by=token)
    mine = list(FailureNotice.objects.filter(claimed_by=token)
                .select_related("delivery__company", "delivery__document", "delivery__destination"))
    by_firm: dict[int, list[FailureNotice]] = defaultdict(list)
    for notice in mine:
        by_firm[notice.firm_id].append(notice)
    queued = 0
    for firm_id, notices in by_firm.items():
        firm = Firm.objects.get(pk=firm_id)
        recipients = _admin_emails(firm_id)
        if recipients and mail_enqueue(key=f"delivery-failures:{firm_id}:{notices[0].pk}", to=recipients,
                                       subject=f"{firm.name} : {len(notices)} envoi(s) en échec",
                                       body=_body(firm, notices), sender_name=firm.sender_display_name,
                                       firm_id=firm_id):
            queued += 1
    FailureNotice.objects.filter(claimed_by=token).update(notified_at=timezone.now())
    return queued


FAILURE_REPORTS = PeriodicJob(name="delivery.failure_reports", every=timedelta(minutes=1),
                              run=lambda scope: failure_notices_send())
