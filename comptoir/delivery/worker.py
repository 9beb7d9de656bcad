"""The worker loop: N threads that run queued django.tasks and sweep the outbox for due deliveries.

The sweep is what makes delivery reliable: a lost wake-up, a crashed worker (expired lease) or a
retry whose time has come are all found by the same query on the Delivery table. Idle threads poll
every `poll_interval` seconds, so a new delivery leaves within a fraction of a second.
"""

import logging
import os
import signal
import socket
import threading
import time

from django.db import OperationalError, close_old_connections, connections
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.management.commands.db_worker import Worker as TaskRunner
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from comptoir.delivery.notifications import failure_notices_send
from comptoir.delivery.services import delivery_attempt_run, delivery_claim_due
from comptoir.delivery.tasks import local_wake

logger = logging.getLogger(__name__)


class DeliveryWorker:
    def __init__(self, *, concurrency: int = 1, poll_interval: float = 0.2, notify_interval: float = 60.0,
                 name: str | None = None):
        self.concurrency = max(1, concurrency)
        self.poll_interval = poll_interval
        self.notify_interval = notify_interval
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        self._runs_db_tasks = type(backend).__module__.startswith("django_tasks_db")
        self._queues = list(getattr(backend, "queues", None) or ["default"])

    # -- lifecycle -------------------------------------------------------------------------------

    def run(self) -> None:
        """Run until SIGTERM/SIGINT; in-flight sends finish before the process exits."""
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        self.start()
        while any(thread.is_alive() for thread in self._threads):
            for thread in self._threads:
                thread.join(timeout=0.5)
        logger.info("worker %s stopped", self.name)

    def start(self) -> None:
        logger.info("worker %s starting %d thread(s)", self.name, self.concurrency)
        for index in range(self.concurrency):
            thread = threading.Thread(target=self._loop, args=(index,), name=f"delivery-worker-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 30.0) -> None:
        self.stopping.set()
        local_wake.set()
        for thread in self._threads:
            thread.join(timeout=timeout)

    def _on_signal(self, signum, frame) -> None:
        logger.warning("worker %s: %s, finishing current sends", self.name, signal.strsignal(signum))
        self.stopping.set()
        local_wake.set()

    # -- one thread ------------------------------------------------------------------------------

    def _loop(self, index: int) -> None:
        worker_id = f"{self.name}:{index}"
        runner = TaskRunner(queue_names=self._queues, interval=0, batch=False, backend_name=DEFAULT_TASK_BACKEND_ALIAS,
                            startup_delay=False, max_tasks=None, worker_id=worker_id, excluded_queue_names=[])
        next_notify = time.monotonic() + self.notify_interval
        try:
            while not self.stopping.is_set():
                busy = False
                try:
                    close_old_connections()
                    busy = self.step(worker_id=worker_id, runner=runner)
                    if index == 0 and time.monotonic() >= next_notify:
                        next_notify = time.monotonic() + self.notify_interval
                        failure_notices_send(worker_id=worker_id)
                except OperationalError as exc:
                    logger.warning("worker %s: database busy (%s)", worker_id, exc)
                except Exception:
                    logger.exception("worker %s: unexpected error", worker_id)
                if not busy and not self.stopping.is_set():
                    if local_wake.wait(self.poll_interval):
                        local_wake.clear()
        finally:
            connections.close_all()

    def step(self, *, worker_id: str, runner: TaskRunner | None = None) -> bool:
        """Run one queued task and send one due delivery. True if there was anything to do."""
        busy = False
        if runner is not None and self._runs_db_tasks:
            busy = self._run_one_task(worker_id=worker_id, runner=runner)
        for delivery in delivery_claim_due(worker_id=worker_id, limit=1):
            delivery_attempt_run(delivery=delivery, worker_id=worker_id)
            busy = True
        return busy

    def _run_one_task(self, *, worker_id: str, runner: TaskRunner) -> bool:
        ready = DBTaskResult.objects.ready().filter(backend_name=DEFAULT_TASK_BACKEND_ALIAS,
                                                    queue_name__in=self._queues)
        # A plain read first: the claim below takes SQLite's write lock, which idle threads must not.
        if not ready.exists():
            return False
        with exclusive_transaction(ready.db):
            task_result = ready.get_locked()
            if task_result is not None:
                task_result.claim(worker_id)
        if task_result is None:
            return False
        runner.run_task(task_result)
        return True
