"""Permanent failures reported to the firm's admins: one email per firm listing everything new.

The worker calls `failure_notices_send` about once a minute, so fifty failures in the same minute
(a partner's mailbox closed) make one email, not fifty.
"""

import logging
from collections import defaultdict

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone

from comptoir.core.mail import sender_header
from comptoir.delivery.models import FailureNotice
from comptoir.firms.models import Firm, Membership, Role

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
            f"- {delivery.company.name} · « {delivery.document.name} » → {delivery.app_slug} "
            f"({delivery.destination.address})",
            f"  {delivery.get_status_display()} : {delivery.last_error or '—'}",
            f"  {history}?status={delivery.status}",
        ]
    lines += ["", "Corrigez l'adresse de destination si besoin, puis cliquez sur « réessayer »."]
    return "\n".join(lines) + "\n"


def failure_notices_send(*, worker_id: str) -> int:
    """Email every firm whose deliveries failed since the last report. Returns the emails sent."""
    # Claim first, so two workers never report the same failure.
    unclaimed = FailureNotice.objects.filter(notified_at__isnull=True, claimed_by="")
    ids = list(unclaimed.values_list("pk", flat=True)[:500])
    if not ids:
        return 0
    FailureNotice.objects.filter(pk__in=ids, claimed_by="").update(claimed_by=worker_id)
    mine = list(
        FailureNotice.objects.filter(pk__in=ids, claimed_by=worker_id, notified_at__isnull=True)
        .select_related("delivery__company", "delivery__document", "delivery__destination")
    )
    by_firm: dict[int, list[FailureNotice]] = defaultdict(list)
    for notice in mine:
        by_firm[notice.firm_id].append(notice)
    sent = 0
    for firm_id, notices in by_firm.items():
        firm = Firm.objects.get(pk=firm_id)
        recipients = _admin_emails(firm_id)
        pks = [notice.pk for notice in notices]
        try:
            if recipients:
                EmailMessage(
                    subject=f"Comptoir : {len(notices)} envoi(s) en échec",
                    body=_body(firm, notices),
                    from_email=sender_header(firm.sender_display_name),
                    to=recipients,
                    headers={"Auto-Submitted": "auto-generated"},
                ).send()
                sent += 1
        except Exception:
            logger.exception("failure report for firm %s not sent; will try again", firm_id)
            FailureNotice.objects.filter(pk__in=pks).update(claimed_by="")
            continue
        FailureNotice.objects.filter(pk__in=pks).update(notified_at=timezone.now())
    return sent
