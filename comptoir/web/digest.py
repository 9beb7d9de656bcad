"""The summary email ("ce qui s'est passé"), daily or weekly, for the people who asked for it.

Queued on the mail outbox (claim, retry, once per person and period) by the hourly periodic job the
worker runs (`web.digests`), or by the `digests` command, never from a request: `digest_email_build` is
the content, `digest_send_due` the selection.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from comptoir.firms.emails import FIRM_HEADER, absolute_url
from comptoir.firms.selectors import company_list_for_user, membership_for
from comptoir.ged.models import Document
from comptoir.jobs.mail_outbox import mail_enqueue
from comptoir.jobs.scheduler import PeriodicJob
from comptoir.web.models import DigestFrequency, DigestPreference
from comptoir.web.selectors import attention_list, duplicates_recent

logger = logging.getLogger(__name__)
PERIODS = {DigestFrequency.DAILY: timedelta(days=1), DigestFrequency.WEEKLY: timedelta(days=7)}


@dataclass
class DigestContent:
    deposits: list[tuple[str, int]]  # (company name, documents deposited in the period)
    attention: list
    duplicates: list

    @property
    def empty(self) -> bool:
        return not (self.deposits or self.attention or self.duplicates)


def digest_content_for_user(*, user, since: datetime, now: datetime | None = None) -> DigestContent:
    """What happened in the companies `user` may see since `since` (scoped by the firms selectors)."""
    now = now or timezone.now()
    companies = {c.pk: c for c in company_list_for_user(user=user).filter(archived_at__isnull=True)}
    counts: dict[int, int] = {}
    for company_id in (Document.objects.filter(company_id__in=list(companies), deleted_at__isnull=True,
                                               deposited_at__gt=since, deposited_at__lte=now)
                       .values_list("company_id", flat=True)):
        counts[company_id] = counts.get(company_id, 0) + 1
    membership = membership_for(user)
    staff = bool(membership and membership.is_firm_staff)
    attention = [d for d in attention_list(companies=list(companies), now=now) if d.updated_at > since] if staff else []
    return DigestContent(deposits=[(companies[pk].name, n) for pk, n in sorted(counts.items())],
                         attention=attention,
                         duplicates=duplicates_recent(companies=companies, now=now) if staff else [])


def digest_email_build(*, user, since: datetime, now: datetime | None = None) -> EmailMultiAlternatives | None:
    """The email (text, and HTML in the firm's name and colours), or None when nothing happened (no empty digests)."""
    content = digest_content_for_user(user=user, since=since, now=now)
    if content.empty:
        return None
    membership = membership_for(user)
    firm = membership.firm
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(firm)s : ce qui s'est passé dans vos entreprises") % {"firm": firm.name}
        context = {"content": content, "firm": firm, "link": absolute_url(reverse("web:home"))}
        body = render_to_string("web/email/digest.txt", context)
        html = render_to_string("web/email/digest.html", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=[user.email], headers={FIRM_HEADER: str(firm.pk)})
    message.attach_alternative(html, "text/html")
    return message


def digest_send_due(*, now: datetime | None = None) -> int:
    """Queue every digest whose period has elapsed; returns how many were queued. The mail outbox sends
    them (and retries them); the key makes one mail per person and period, however often this runs."""
    now = now or timezone.now()
    queued = 0
    preferences = (DigestPreference.objects.exclude(frequency=DigestFrequency.OFF)
                   .select_related("user").filter(user__is_active=True))
    for preference in preferences:
        period = PERIODS[preference.frequency]
        since = preference.last_sent_at or (now - period)
        if preference.last_sent_at and now - preference.last_sent_at < period:
            continue
        message = digest_email_build(user=preference.user, since=since, now=now)
        with transaction.atomic():
            if message is not None and mail_enqueue(
                    key=f"digest:{preference.user_id}:{now:%Y%m%d%H}", to=message.to, subject=message.subject,
                    body=message.body, html_body=message.alternatives[0].content,
                    sender_name=membership_for(preference.user).firm.sender_display_name,
                    firm_id=int(message.extra_headers[FIRM_HEADER]), headers=message.extra_headers):
                queued += 1
            DigestPreference.objects.filter(pk=preference.pk).update(last_sent_at=now)
    return queued


# Checked every hour by the worker: each person's period (a day, a week) decides when theirs is due.
DIGESTS = PeriodicJob(name="web.digests", every=timedelta(hours=1), run=lambda scope: digest_send_due())
