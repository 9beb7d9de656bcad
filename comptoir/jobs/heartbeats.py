"""The worker registry: each `comptoir worker` process registers, heartbeats, and says when it stops.

A process whose heartbeat is older than the lease and which never said it stopped is dead (SIGKILL,
a lost machine). Its outbox leases run out by themselves (they are renewed by the heartbeat only);
its django.tasks tasks left "running" (a zip import) are put back in the queue by the first sweep
that notices, so the work resumes without anyone pressing a button.
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
    return timedelta(seconds=settings.COMPTOIR_DELIVERY_LEASE_SECONDS)


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
def worker_reap(*, name: str) -> int:
    """Take a dead worker's running tasks back to the queue (once: the first sweep to mark it wins).

    Returns how many tasks were queued again. The tasks must be safe to run again (the zip import
    skips the entries it already deposited).
    """
    now = timezone.now()
    if not WorkerProcess.objects.filter(name=name, reaped_at__isnull=True).update(reaped_at=now):
        return 0
    prefix = f"{name}:"
    running = DBTaskResult.objects.filter(status="RUNNING").values_list("pk", "worker_ids")
    stranded = [pk for pk, worker_ids in running if worker_ids and str(worker_ids[-1]).startswith(prefix)]
    if stranded:
        DBTaskResult.objects.filter(pk__in=stranded, status="RUNNING").update(status="READY", started_at=None)
    return len(stranded)
