"""Periodic jobs of document requests, run by the worker's scheduler at 09:00 in each firm's time zone.

The job functions take `now` so tests drive the clock; the scheduler runs them with the real one.
"""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction

from comptoir.docrequests.emails import reminder_queue
from comptoir.docrequests.models import DocumentRequest, Reminder, RequestStatus
from comptoir.docrequests.selectors import firm_today, firms_with_time_zones
from comptoir.docrequests.services.templates import templates_generate
from comptoir.jobs.scheduler import PeriodicJob

RUN_AT = time(9, 0)


def reminder_offset_due(*, request: DocumentRequest, today: date) -> int | None:
    """The offset (days from the due date) of the reminder due `today`, None when none is."""
    delta = (today - request.due_date).days
    if delta in request.reminder_offsets:
        return delta
    if delta > 0 and request.repeat_days and delta % request.repeat_days == 0:
        return delta
    return None


def reminder_next_date(*, request: DocumentRequest, today: date) -> date | None:
    """The day the next reminder goes (today or later), None when no reminder is left to send."""
    for offset in sorted(request.reminder_offsets):
        day = request.due_date + timedelta(days=offset)
        if day >= today:
            return day
    if request.repeat_days:
        days_after = max((today - request.due_date).days, 1)
        repeats = -(-days_after // request.repeat_days)  # the first multiple of repeat_days not before today
        return request.due_date + timedelta(days=repeats * request.repeat_days)
    return None


def reminders_send(*, firm_id: int, now: datetime | None = None) -> int:
    """Queue today's reminders of the firm's open requests, each once (unique per request and day),
    grouped into one mail per client user: several open requests make one digest. Returns the reminders made."""
    today = firm_today(firm_id=firm_id, now=now)
    by_user: dict[int, tuple[object, list[DocumentRequest]]] = defaultdict(lambda: (None, []))
    made = 0
    with transaction.atomic():
        requests = (DocumentRequest.objects.filter(firm_id=firm_id, status=RequestStatus.OPEN)
                    .select_related("company__firm").prefetch_related("addressees", "items").order_by("due_date", "id"))
        for request in requests:
            offset = reminder_offset_due(request=request, today=today)
            if offset is None:
                continue
            try:
                with transaction.atomic():
                    Reminder.objects.create(request=request, on=today, offset=offset)
            except IntegrityError:  # already sent today
                continue
            made += 1
            for user in request.addressees.all():
                if user.is_active and user.email:
                    by_user[user.pk] = (user, by_user[user.pk][1] + [request])
        for user, user_requests in by_user.values():
            reminder_queue(user=user, requests=user_requests, on=today)
    return made


def _firm_id(scope: str) -> int:
    return int(scope.removeprefix("firm:"))


def templates_run(*, firm_id: int, now: datetime | None = None) -> int:
    return len(templates_generate(firm_id=firm_id, today=firm_today(firm_id=firm_id, now=now)))


# Templates first at 08:55 so a request generated today is in place for the 09:00 reminders.
TEMPLATES = PeriodicJob(name="docrequests.templates", at=time(8, 55), scopes=firms_with_time_zones,
                        run=lambda scope: templates_run(firm_id=_firm_id(scope)))
REMINDERS = PeriodicJob(name="docrequests.reminders", at=RUN_AT, scopes=firms_with_time_zones,
                        run=lambda scope: reminders_send(firm_id=_firm_id(scope)))
