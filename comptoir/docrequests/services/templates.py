"""Recurring requests: a firm's template generates one request per subscribed company and period."""

import logging
from collections.abc import Iterable
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.core.errors import PermissionDenied
from comptoir.core.services import audit_event_record
from comptoir.docrequests.models import (
    DEFAULT_OFFSETS,
    DEFAULT_REPEAT_DAYS,
    DocumentRequest,
    Frequency,
    RequestTemplate,
)
from comptoir.docrequests.policy import can_manage_requests
from comptoir.docrequests.selectors import default_folder_for
from comptoir.docrequests.services.requests import cadence_check, docrequest_create
from comptoir.firms.models import Company
from comptoir.firms.selectors import firm_for_user
from comptoir.ged.folder_templates import MONTH_NAMES

logger = logging.getLogger(__name__)


@transaction.atomic
def template_create(*, actor: User, title: str, frequency: str = Frequency.MONTHLY, day: int = 1, month: int = 1,
                    items: Iterable[str] = (), description: str = "", folder_role: str = "banque",
                    due_days: int = 10, companies: Iterable[Company] = (), reminder_offsets: list[int] | None = None,
                    repeat_days: int | None = None) -> RequestTemplate:
    if not can_manage_requests(actor):
        raise PermissionDenied(_("Seul le cabinet peut créer un modèle de demande."))
    firm = firm_for_user(user=actor)
    companies = list(companies)
    if any(company.firm_id != firm.pk for company in companies):
        raise PermissionDenied(_("Ces entreprises ne sont pas celles du cabinet."))
    offsets = sorted(set(DEFAULT_OFFSETS if reminder_offsets is None else reminder_offsets))
    repeat = DEFAULT_REPEAT_DAYS if repeat_days is None else repeat_days
    cadence_check(offsets=offsets, repeat_days=repeat)
    template = RequestTemplate(firm=firm, title=title.strip(), description=description, frequency=frequency,
                               day=day, month=month, items=[item.strip() for item in items if item.strip()],
                               folder_role=folder_role, due_days=due_days, reminder_offsets=offsets,
                               repeat_days=repeat, created_by=actor)
    template.full_clean(exclude=["firm", "created_by"])
    template.save()
    template.companies.set(companies)
    audit_event_record(actor=actor, action="docrequest.template.create", target=template, firm_id=firm.pk,
                       data={"frequency": frequency, "day": day, "companies": [c.pk for c in companies]})
    return template


def template_period(*, template: RequestTemplate, today: date) -> tuple[str, str, date] | None:
    """The period whose request is due to exist on `today` (key, label, generation day), None before its first day.

    Monthly on day N: this month's from day N on; quarterly: the quarter's first month, day N;
    yearly: month M, day N. A day missed while no worker ran is caught up later in the same period.
    """
    if template.frequency == Frequency.MONTHLY:
        start = today.replace(day=template.day)
        key, label = f"{today:%Y-%m}", f"{_(MONTH_NAMES[today.month - 1]).lower()} {today.year}"
    elif template.frequency == Frequency.QUARTERLY:
        quarter = (today.month - 1) // 3
        start = date(today.year, quarter * 3 + 1, template.day)
        key, label = f"{today.year}-T{quarter + 1}", _("T%(q)d %(year)d") % {"q": quarter + 1, "year": today.year}
    else:
        start = date(today.year, template.month, template.day)
        key, label = str(today.year), str(today.year)
        if today < start:
            return None
    if today < start:
        return None
    return key, label, start


def templates_generate(*, firm_id: int, today: date) -> list[DocumentRequest]:
    """Create the current period's request of every active template for each subscribed company, once."""
    created = []
    templates = RequestTemplate.objects.filter(firm_id=firm_id, active=True).prefetch_related("companies")
    for template in templates:
        period = template_period(template=template, today=today)
        if period is None:
            continue
        key, label, start = period
        for company in template.companies.all():
            if DocumentRequest.objects.filter(template=template, company=company, period=key).exists():
                continue
            try:
                with transaction.atomic():
                    created.append(docrequest_create(
                        company=company, title=f"{template.title} – {label}", description=template.description,
                        due_date=start + timedelta(days=template.due_days), actor=None, items=template.items,
                        folder=default_folder_for(company=company, on=start, role=template.folder_role),
                        reminder_offsets=template.reminder_offsets, repeat_days=template.repeat_days,
                        template=template, period=key))
            except IntegrityError:  # another worker made it at the same moment
                continue
            except ValidationError as error:  # no target folder for that period: say so, go on with the others
                logger.warning("template %s: no request for %s (%s): %s", template.pk, company.pk, key, error)
    return created
