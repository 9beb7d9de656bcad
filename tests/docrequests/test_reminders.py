"""The portal chases: reminders at 09:00 in the firm's time zone on the cadence, through the mail outbox to a
real SMTP server on loopback, never twice, none once the request is answered. The clock is passed as `now`."""

import datetime as dt
import zoneinfo

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from comptoir.docrequests.jobs import REMINDERS, TEMPLATES, reminders_send
from comptoir.docrequests.models import FirmRequestSettings, Reminder
from comptoir.docrequests.services import docrequest_answer_deposit, docrequest_close, docrequest_create
from comptoir.jobs.mail_outbox import mails_send_due
from comptoir.jobs.models import PeriodicJobRun
from comptoir.jobs.scheduler import job_latest_due, periodic_jobs_run_due
from tests.docrequests.conftest import ventes_month
from tests.factories import PDF_BYTES

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
D0 = dt.date(2027, 3, 1)  # the request is made on D0, due on D0 + 10 days


def at_nine(day: dt.date, zone=PARIS) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9, 0), tzinfo=zone)


def run_days(firm, days: range, smtp_server) -> dict[dt.date, list]:
    """Each day at 09:00 Paris: the reminders job, then a worker turn of the mail outbox. Mails received by day."""
    received = {}
    for offset in days:
        day = D0 + dt.timedelta(days=offset)
        before = len(smtp_server.messages)
        reminders_send(firm_id=firm.pk, now=at_nine(day))
        reminders_send(firm_id=firm.pk, now=at_nine(day) + dt.timedelta(hours=3))  # run twice: nothing more
        while mails_send_due(worker_id="test:1", now=at_nine(day) + dt.timedelta(minutes=1)):
            pass
        new = smtp_server.messages[before:]
        if new:
            received[day] = new
    return received


@pytest.fixture
def due_in_ten_days(company, firm_admin, client_user):
    return docrequest_create(company=company, title="Relevés bancaires de février", actor=firm_admin,
                             due_date=D0 + dt.timedelta(days=10), folder=ventes_month(company, timezone.localdate()),
                             addressees=[client_user], items=["relevé BNP"])


def _reminders_only(received):
    return {day: [m for m in mails if m["Subject"].startswith("Relance")] for day, mails in received.items()
            if any(m["Subject"].startswith("Relance") for m in mails)}


def test_reminders_go_7_days_before_the_day_before_on_the_due_date_then_weekly(due_in_ten_days, smtp_server, firm):
    received = _reminders_only(run_days(firm, range(0, 32), smtp_server))
    due = due_in_ten_days.due_date
    assert sorted(received) == [due - dt.timedelta(days=7), due - dt.timedelta(days=1), due,
                                due + dt.timedelta(days=7), due + dt.timedelta(days=14), due + dt.timedelta(days=21)]
    assert all(len(mails) == 1 for mails in received.values())  # never twice, though the job ran twice a day
    mail = received[due][0]
    assert mail["To"] == "client@boulangerie.fr" and firm.sender_display_name in mail["From"]
    assert mail["Reply-To"] == f"demande+{due_in_ten_days.token}@comptoir.localhost"
    text = mail.get_body(("plain",)).get_content()
    assert "relevé BNP" in text and f"/demandes/{due_in_ten_days.pk}/" in text
    assert Reminder.objects.filter(request=due_in_ten_days).count() == 6


def test_no_reminder_after_the_request_is_answered(due_in_ten_days, smtp_server, firm, client_user):
    received = _reminders_only(run_days(firm, range(0, 12), smtp_server))
    assert len(received) == 3  # -7, -1, due date
    docrequest_answer_deposit(request=due_in_ten_days, file=ContentFile(PDF_BYTES, name="bnp.pdf"), actor=client_user)
    assert _reminders_only(run_days(firm, range(12, 40), smtp_server)) == {}


def test_no_reminder_after_the_request_is_closed(due_in_ten_days, smtp_server, firm, firm_member):
    docrequest_close(request=due_in_ten_days, actor=firm_member)
    assert _reminders_only(run_days(firm, range(0, 20), smtp_server)) == {}


def test_several_open_requests_make_one_digest_per_client_user_and_day(company, firm_admin, client_user, firm,
                                                                       smtp_server):
    folder = ventes_month(company, timezone.localdate())
    for title in ("TVA de février", "Relevés de février"):
        docrequest_create(company=company, title=title, actor=firm_admin, due_date=D0, folder=folder,
                          addressees=[client_user])
    mails_send_due(worker_id="test:1")  # the two « documents demandés » notices
    before = len(smtp_server.wait_for(2))
    assert reminders_send(firm_id=firm.pk, now=at_nine(D0)) == 2
    mails_send_due(worker_id="test:1", now=at_nine(D0) + dt.timedelta(minutes=1))
    digest = smtp_server.messages[before:]
    assert len(digest) == 1 and digest[0]["Subject"] == "2 demandes de documents en attente"
    text = digest[0].get_body(("plain",)).get_content()
    assert "TVA de février" in text and "Relevés de février" in text


def test_reminders_run_at_nine_in_the_firm_time_zone(firm, other_firm):
    FirmRequestSettings.objects.create(firm=other_firm, time_zone="America/Martinique")
    scopes = dict(REMINDERS.scopes())
    assert scopes[f"firm:{firm.pk}"] == "Europe/Paris" and scopes[f"firm:{other_firm.pk}"] == "America/Martinique"
    now = dt.datetime(2027, 3, 3, 8, 30, tzinfo=dt.UTC)  # 09:30 in Paris, 04:30 in Martinique
    assert job_latest_due(REMINDERS, now=now, zone="Europe/Paris") == at_nine(dt.date(2027, 3, 3))
    assert job_latest_due(REMINDERS, now=now, zone="America/Martinique") == at_nine(
        dt.date(2027, 3, 2), zoneinfo.ZoneInfo("America/Martinique"))  # not at night: yesterday's 09:00


def test_the_scheduler_runs_each_firm_job_once_per_day_across_workers(firm, other_firm):
    periodic_jobs_run_due(worker="w1")
    periodic_jobs_run_due(worker="w2")
    for job in (REMINDERS, TEMPLATES):
        runs = PeriodicJobRun.objects.filter(job=job.name)
        assert sorted(runs.values_list("scope", flat=True)) == sorted([f"firm:{firm.pk}", f"firm:{other_firm.pk}"])
        assert set(runs.values_list("outcome", flat=True)) == {"done"}
