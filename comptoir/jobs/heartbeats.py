"""The worker registry: each `comptoir worker` process registers, heartbeats, and says when it stops.

A process that missed three beats and never said it stopped is dead (SIGKILL, a lost machine). Its
outbox leases run out by themselves within the lease (only its heartbeat renewed them), and the first
live worker to notice ends them at once; its django.tasks tasks left "running" (a zip import) are put
back in the queue, so the work resumes without anyone pressing a button.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comptoir.jobs.models import WorkerProcess


def heartbeat_period() -> float:
    """Seconds between heartbeats: a fifth of the lease, so a lease survives a few missed beats."""
    return max(0.2, settings.COMPTOIR_DELIVERY_LEASE_SECONDS / 5)


def _dead_after() -> timedelta:
    # Three missed beats; by then a live but stalled worker has stopped starting sends (it only starts
    # one while its last renewal is younger than half the lease, i.e. 2.5 beats).
    return timedelta(seconds=3 * heartbeat_period())


def worker_register(*, name: str) -> WorkerProcess:
    now = timezone.now()
    worker, _created = WorkerProcess.objects.update_or_create(
        name=name, defaults={"started_at": now, "heartbeat_at": now, "stopped_at": None, "reaped_at": None})
    return worker


def worker_heartbeat(*, name: str, now: datetime | None = None) -> None:
    WorkerProcess.objects.filter(name=name).update(heartbeat_at=now or timezone.now())


def worker_stopped(*, name: str) -> None:
    WorkerProcess.objects.filter(name=name).update(stopped_at=timezone.now())


def workers_dead(*, now: datetime | None = None) -> list[str]:
    now = now or timezone.now()
    return list(WorkerProcess.objects.filter(heartbeat_at__lt=now - _dead_after(), stopped_at__isnull=True,
                                             reaped_at__isnull=True).values_list("name", flat=True))


@transaction.atomic
def worker_reap(*, name: str) -> int | None:
    """Take a dead worker's running tasks back to the queue (once: the first sweep to mark it wins).

    Returns how many tasks were queued again, None when another sweep reaped it first. The tasks
    must be safe to run again (the zip import skips the entries it already deposited).
    """
    now = timezone.now()
    if not WorkerProcess.objects.filter(name=name, reaped_at__isnull=True).update(reaped_at=now):
        return None
    prefix = f"{name}:"
    running = DBTaskResult.objects.filter(status="RUNNING").values_list("pk", "worker_ids")
    stranded = [pk for pk, worker_ids in running if worker_ids and str(worker_ids[-1]).startswith(prefix)]
    if stranded:
        DBTaskResult.objects.filter(pk__in=stranded, status="RUNNING").update(status="READY", started_at=None)
    return len(stranded)
