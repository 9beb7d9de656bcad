"""Periodic jobs run by the worker: registered in code, at most one run per due time across all workers.

A job runs every `every` (on a grid from the epoch, so every worker computes the same due times) or
each day at `at`, in the time zone of its scope: the portal's (`TIME_ZONE`), or each firm's when the
job is registered with `scopes` (a callable listing `(scope, time zone)` pairs, e.g. one per firm).
The run is claimed by inserting its `PeriodicJobRun` row, unique on (job, scope, due time): a second
worker's insert fails and it moves on. A due time missed while no worker ran is run once, late; the
ones before it are not replayed. A run that dies stays "running" (visible) and is not retried: the
next due time comes. `periodic_jobs_status` shows each job's last and next run.
"""

import logging
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from comptoir.jobs.models import JobRunOutcome, PeriodicJobRun

logger = logging.getLogger(__name__)

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
Scopes = Callable[[], list[tuple[str, str]]]


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    run: Callable[[str], object]  # receives the scope ("" or e.g. "firm:12")
    every: timedelta | None = None
    at: time | None = None
    scopes: Scopes | None = None

    def __post_init__(self):
        if (self.every is None) == (self.at is None):
            raise ValueError(f"periodic job {self.name}: give exactly one of every= or at=")


_jobs: dict[str, PeriodicJob] = {}


def periodic_job_register(job: PeriodicJob) -> None:
    _jobs[job.name] = job


def periodic_job_unregister(name: str) -> None:
    _jobs.pop(name, None)


def periodic_jobs() -> list[PeriodicJob]:
    return list(_jobs.values())


def _scopes(job: PeriodicJob) -> list[tuple[str, str]]:
    return job.scopes() if job.scopes is not None else [("", settings.TIME_ZONE)]


def job_latest_due(job: PeriodicJob, *, now: datetime, zone: str) -> datetime:
    """The latest due time at or before `now`."""
    if job.every is not None:
        return EPOCH + job.every * ((now - EPOCH) // job.every)
    local_now = now.astimezone(zoneinfo.ZoneInfo(zone))
    today = datetime.combine(local_now.date(), job.at, tzinfo=local_now.tzinfo)
    return today if today <= local_now else today - timedelta(days=1)


def job_next_due(job: PeriodicJob, *, after: datetime, zone: str) -> datetime:
    if job.every is not None:
        return after + job.every
    local = after.astimezone(zoneinfo.ZoneInfo(zone))
    return datetime.combine(local.date() + timedelta(days=1), job.at, tzinfo=local.tzinfo)


def _claim(*, job: PeriodicJob, scope: str, due_at: datetime, worker: str) -> PeriodicJobRun | None:
    try:
        with transaction.atomic():
            return PeriodicJobRun.objects.create(job=job.name, scope=scope, due_at=due_at, worker=worker,
                                                 started_at=timezone.now())
    except IntegrityError:
        return None


def periodic_jobs_run_due(*, worker: str, now: datetime | None = None,
                          seen: dict[tuple[str, str], datetime] | None = None) -> int:
    """Run every job whose latest due time has no run yet (claimed first). Returns the runs made here.

    `seen` (kept by the caller between ticks) remembers the due times already tried, so an idle
    tick costs no query.
    """
    now = now or timezone.now()
    seen = {} if seen is None else seen
    runs = 0
    for job in periodic_jobs():
        for scope, zone in _scopes(job):
            due_at = job_latest_due(job, now=now, zone=zone)
            if seen.get((job.name, scope)) == due_at:
                continue
            seen[(job.name, scope)] = due_at
            run = _claim(job=job, scope=scope, due_at=due_at, worker=worker)
            if run is None:
                continue
            runs += 1
            try:
                job.run(scope)
            except Exception as exc:
                logger.exception("periodic job %s [%s] failed", job.name, scope)
                PeriodicJobRun.objects.filter(pk=run.pk).update(outcome=JobRunOutcome.ERROR, error=repr(exc)[:2000],
                                                                finished_at=timezone.now())
            else:
                PeriodicJobRun.objects.filter(pk=run.pk).update(outcome=JobRunOutcome.DONE,
                                                                finished_at=timezone.now())
    return runs


@dataclass(frozen=True)
class JobStatus:
    name: str
    scope: str
    last_run: PeriodicJobRun | None
    next_due: datetime


def periodic_jobs_status(*, now: datetime | None = None) -> list[JobStatus]:
    """Each registered job's last run and the next due time, for the operator (`comptoir periodic-jobs`)."""
    now = now or timezone.now()
    rows = []
    for job in periodic_jobs():
        for scope, zone in _scopes(job):
            last = PeriodicJobRun.objects.filter(job=job.name, scope=scope).order_by("-due_at").first()
            latest = job_latest_due(job, now=now, zone=zone)
            taken = last is not None and last.due_at >= latest
            rows.append(JobStatus(name=job.name, scope=scope, last_run=last,
                                  next_due=job_next_due(job, after=latest, zone=zone) if taken else latest))
    return rows
