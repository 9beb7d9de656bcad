"""The shared background primitives: the mail outbox, periodic jobs, dead workers' tasks taken back."""

from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comptoir.delivery.worker import DeliveryWorker
from comptoir.firms.emails import invitation_send
from comptoir.intake.models import ZipImport
from comptoir.jobs.mail_outbox import mail_enqueue, mails_send_due
from comptoir.jobs.models import MailStatus, OutgoingMail, PeriodicJobRun, WorkerProcess
from comptoir.jobs.scheduler import (
    PeriodicJob,
    periodic_job_register,
    periodic_job_unregister,
    periodic_jobs_run_due,
    periodic_jobs_status,
)
from tests.conftest import login
from tests.factories import PDF_BYTES, folder_named
from tests.intake.test_zip_import import make_zip, upload, wait_done
from tests.loopback import free_port
from tests.smtp_server import mailers_point_at

pytestmark = pytest.mark.django_db(transaction=True)  # worker threads read what the test commits


# --- the mail outbox --------------------------------------------------------------------------------


def test_an_invitation_made_while_smtp_is_down_arrives_once_when_it_is_back(company, firm_admin, smtp_server,
                                                                             settings):
    mailers_point_at(settings, "127.0.0.1", free_port())  # nothing listens there: connection refused
    invitation = invitation_send(company=company, email="nora@client.fr", role="client_member", actor=firm_admin)
    assert mails_send_due(worker_id="w:1:0") == 1
    mail = OutgoingMail.objects.get(key=f"invitation:{invitation.pk}")
    assert mail.status == MailStatus.RETRYING and "Connection refused" in mail.last_error
    assert mails_send_due(worker_id="w:1:0") == 0, "waits for its backoff"

    mailers_point_at(settings, smtp_server.host, smtp_server.port)
    later = timezone.now() + timedelta(hours=1)
    assert mails_send_due(worker_id="w:1:0", now=later) == 1
    assert mails_send_due(worker_id="w:2:0", now=later + timedelta(hours=3)) == 0, "sent once"
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "nora@client.fr" and "Cabinet Alpha" in message["Subject"]
    assert message["From"] == f"Cabinet Alpha <{settings.SENDER_ADDRESS}>"
    assert invitation.token in message.get_content()
    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (MailStatus.SENT, 2)


def test_a_mail_refused_with_550_fails_without_retrying_and_a_key_is_queued_once(smtp_server):
    assert mail_enqueue(key="notice:1", to=["a@exemple.fr"], subject="Objet", body="Texte") is not None
    assert mail_enqueue(key="notice:1", to=["a@exemple.fr"], subject="Objet", body="Texte") is None
    smtp_server.reply_with("550 5.1.1 mailbox unavailable", times=1)
    assert mails_send_due(worker_id="w:1:0") == 1
    mail = OutgoingMail.objects.get()
    assert mail.status == MailStatus.FAILED and "550" in mail.last_error
    assert mails_send_due(worker_id="w:1:0", now=timezone.now() + timedelta(days=2)) == 0
    assert smtp_server.messages == []


def test_the_worker_sends_a_queued_invitation(company, firm_admin, smtp_server):
    invitation_send(company=company, email="nora@client.fr", role="client_member", actor=firm_admin)
    worker = DeliveryWorker(concurrency=1, poll_interval=0.05)
    worker.start()
    try:
        [message] = smtp_server.wait_for(1, timeout=20)
    finally:
        worker.stop()
    assert message["To"] == "nora@client.fr"


# --- periodic jobs ----------------------------------------------------------------------------------


@pytest.fixture
def job_calls():
    calls = []
    periodic_job_register(PeriodicJob(name="test.tick", every=timedelta(seconds=1), run=calls.append))
    yield calls
    periodic_job_unregister("test.tick")


def test_the_second_worker_to_see_a_due_time_does_not_run_it(job_calls):
    now = datetime(2026, 12, 2, 8, 0, 0, 500000, tzinfo=UTC)
    periodic_jobs_run_due(worker="a", now=now, seen={})
    assert len(job_calls) == 1
    periodic_jobs_run_due(worker="b", now=now, seen={})
    assert len(job_calls) == 1, "the due time was taken by worker a"
    periodic_jobs_run_due(worker="b", now=now + timedelta(seconds=1), seen={})
    assert len(job_calls) == 2
    [status] = [row for row in periodic_jobs_status(now=now + timedelta(seconds=1)) if row.name == "test.tick"]
    assert status.last_run.worker == "b"
    assert status.next_due == datetime(2026, 12, 2, 8, 0, 2, tzinfo=UTC)


def test_a_daily_job_runs_at_its_time_in_each_firms_time_zone():
    calls = []
    periodic_job_register(PeriodicJob(name="test.digest", at=time_of_day(7, 0), run=calls.append,
                                      scopes=lambda: [("firm:1", "Europe/Paris"), ("firm:2", "America/New_York")]))
    try:
        # 06:30 UTC: 07:30 in Paris (due today), 01:30 in New York (yesterday's 07:00 was the last due time).
        now = datetime(2026, 12, 2, 6, 30, tzinfo=UTC)
        periodic_jobs_run_due(worker="a", now=now)
        assert sorted(calls) == ["firm:1", "firm:2"]
        periodic_jobs_run_due(worker="a", now=now + timedelta(hours=1))
        assert len(calls) == 2
        # 12:00 UTC is 07:00 in New York: its run for today.
        periodic_jobs_run_due(worker="a", now=datetime(2026, 12, 2, 12, 0, tzinfo=UTC))
        runs = dict(PeriodicJobRun.objects.filter(job="test.digest").order_by("due_at")
                    .values_list("due_at", "scope"))
        assert runs == {datetime(2026, 12, 1, 12, 0, tzinfo=UTC): "firm:2",
                        datetime(2026, 12, 2, 6, 0, tzinfo=UTC): "firm:1",
                        datetime(2026, 12, 2, 12, 0, tzinfo=UTC): "firm:2"}
        assert sorted(calls) == ["firm:1", "firm:2", "firm:2"]
    finally:
        periodic_job_unregister("test.digest")


def test_a_failing_job_is_recorded_as_an_error_and_the_next_due_time_still_runs():
    def broken(scope):
        raise RuntimeError("Upflow ne répond pas")

    periodic_job_register(PeriodicJob(name="test.broken", every=timedelta(minutes=5), run=broken))
    try:
        now = datetime(2026, 12, 2, 8, 1, tzinfo=UTC)
        periodic_jobs_run_due(worker="a", now=now)
        run = PeriodicJobRun.objects.get(job="test.broken")
        assert run.outcome == "error" and "Upflow ne répond pas" in run.error
        periodic_jobs_run_due(worker="a", now=now + timedelta(minutes=5))
        assert PeriodicJobRun.objects.filter(job="test.broken").count() == 2
    finally:
        periodic_job_unregister("test.broken")


# --- dead workers' tasks ----------------------------------------------------------------------------


def test_a_zip_import_left_running_by_a_dead_worker_is_resumed_by_the_sweep(client_user, company, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    response = upload(login(client_user), folder_named(company, "Achats"),
                      make_zip([("a.pdf", PDF_BYTES), ("Sous/b.pdf", PDF_BYTES + b"%b")]))
    assert response.status_code == 202
    # As if a worker had claimed the task, then been SIGKILLed: its heartbeat stopped a minute ago.
    ghost = "ghost-host:4242"
    stale = timezone.now() - timedelta(minutes=1)
    WorkerProcess.objects.create(name=ghost, started_at=stale, heartbeat_at=stale)
    DBTaskResult.objects.filter(task_path__endswith="zip_import_process").update(
        status="RUNNING", started_at=stale, worker_ids=[f"{ghost}:0"])
    ZipImport.objects.update(status="running")

    worker = DeliveryWorker(concurrency=1, poll_interval=0.05)
    worker.start()
    try:
        zip_import = wait_done(ZipImport.objects.get().pk, timeout=60)
    finally:
        worker.stop()
    assert zip_import.status == "done" and zip_import.done == 2
    assert WorkerProcess.objects.get(name=ghost).reaped_at is not None
    # The import's own task (the documents it deposited queue their thumbnails and OCR beside it).
    assert DBTaskResult.objects.get(task_path__endswith="zip_import_process").status == "SUCCESSFUL"
