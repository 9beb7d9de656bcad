"""The worker loop: N threads that run queued django.tasks and sweep the outbox for due deliveries.

The sweep is what makes delivery reliable: a lost wake-up, a crashed worker (expired lease) or a
retry whose time has come are all found by the same query on the Delivery table. Idle threads take
turns to poll, one poll every `poll_interval` seconds for the whole process (not per thread), and a
thread that finds work hands the next turn to an idle one at once, so a burst fans out in
milliseconds while an idle worker costs SQLite two reads per interval.
"""

import logging
import os
import signal
import socket
import threading
import time

from django.db import OperationalError, close_old_connections, connections
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus, task_backends
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker as TaskRunner
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from comptoir.delivery.notifications import failure_notices_send
from comptoir.delivery.services import delivery_batch_send, delivery_claim_due
from comptoir.delivery.tasks import deliveries_send, local_wake
from comptoir.delivery.transports.smtp_session import smtp_session_close_idle, smtp_sessions_kept

logger = logging.getLogger(__name__)

WAKEUP_TASK_PATH = deliveries_send.module_path
# Deliveries claimed per sweep: enough to spread the claim's queries, few enough that a killed
# worker strands little and a burst still spreads over the other threads.
CLAIM_BATCH = 8


class DeliveryWorker:
    def __init__(self, *, concurrency: int = 1, poll_interval: float = 0.1, notify_interval: float = 60.0,
                 name: str | None = None):
        self.concurrency = max(1, concurrency)
        self.poll_interval = poll_interval
        self.notify_interval = notify_interval
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._turns = threading.Condition()
        self._next_poll = 0.0
        self._handoffs = 0
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
        threading.Thread(target=self._relay_local_wake, name="delivery-worker-wake", daemon=True).start()
        for index in range(self.concurrency):
            thread = threading.Thread(target=self._loop, args=(index,), name=f"delivery-worker-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 30.0) -> None:
        self.stopping.set()
        self._wake_all()
        for thread in self._threads:
            thread.join(timeout=timeout)

    def _on_signal(self, signum, frame) -> None:
        logger.warning("worker %s: %s, finishing current sends", self.name, signal.strsignal(signum))
        self.stopping.set()
        self._wake_all()

    # -- taking turns ----------------------------------------------------------------------------

    def _wait_for_turn(self) -> None:
        """Idle: sleep until the process's next poll is due, or a busy thread hands over a turn."""
        with self._turns:
            while not self.stopping.is_set():
                if self._handoffs:
                    self._handoffs -= 1
                    return
                wait = self._next_poll - time.monotonic()
                if wait <= 0:
                    self._next_poll = time.monotonic() + self.poll_interval
                    return
                self._turns.wait(wait)

    def _hand_off(self) -> None:
        """This thread found work: there may be more, so let one idle thread look now."""
        if self.concurrency == 1:
            return
        with self._turns:
            self._handoffs = min(self._handoffs + 1, self.concurrency - 1)
            self._turns.notify()

    def _wake_all(self) -> None:
        with self._turns:
            self._next_poll = 0.0
            self._turns.notify_all()

    def _relay_local_wake(self) -> None:
        # A wake-up committed in this very process (tests, an embedded deployment): poll at once.
        while not self.stopping.is_set():
            if local_wake.wait(1.0):
                local_wake.clear()
                self._wake_all()

    # -- one thread ------------------------------------------------------------------------------

    def _loop(self, index: int) -> None:
        worker_id = f"{self.name}:{index}"
        runner = TaskRunner(queue_names=self._queues, interval=0, batch=False, backend_name=DEFAULT_TASK_BACKEND_ALIAS,
                            startup_delay=False, max_tasks=None, worker_id=worker_id, excluded_queue_names=[])
        next_notify = time.monotonic() + self.notify_interval
        # The thread's SMTP connection is kept between sends, closed when idle and when the thread ends.
        try:
            with smtp_sessions_kept():
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
                    if busy:
                        self._hand_off()
                    elif not self.stopping.is_set():
                        smtp_session_close_idle()
                        self._wait_for_turn()
        finally:
            connections.close_all()

    def step(self, *, worker_id: str, runner: TaskRunner | None = None) -> bool:
        """Run one queued task and send a small batch of due deliveries. True if there was anything to do."""
        busy = False
        if runner is not None and self._runs_db_tasks:
            busy = self._run_one_task(worker_id=worker_id, runner=runner)
        claimed = delivery_claim_due(worker_id=worker_id, limit=CLAIM_BATCH)
        if claimed:
            delivery_batch_send(deliveries=claimed, worker_id=worker_id, stopping=self.stopping.is_set)
            busy = True
        return busy

    def _run_one_task(self, *, worker_id: str, runner: TaskRunner) -> bool:
        ready = DBTaskResult.objects.ready().filter(backend_name=DEFAULT_TASK_BACKEND_ALIAS,
                                                    queue_name__in=self._queues)
        # A plain read first: the writes below take SQLite's write lock, which idle threads must not.
        pending = list(ready.values_list("pk", "task_path")[:100])
        if not pending:
            return False
        wakeups = [pk for pk, path in pending if path == WAKEUP_TASK_PATH]
        if wakeups:
            self._wakeups_acknowledge(ready, wakeups, worker_id=worker_id)
        if len(wakeups) == len(pending):
            return True
        with exclusive_transaction(ready.db):
            task_result = ready.exclude(task_path=WAKEUP_TASK_PATH).get_locked()
            if task_result is not None:
                task_result.claim(worker_id)
        if task_result is None:
            return bool(wakeups)
        runner.run_task(task_result)
        return True

    def _wakeups_acknowledge(self, ready, ids: list, *, worker_id: str) -> None:
        """Mark wake-up tasks done in one write, without running them: this worker's sweep sends their deliveries.

        Running each one would cost SQLite's single writer four transactions per deposit (claim the
        task, claim the delivery, its outcome, the task's result) against the web's deposits; the
        Delivery table is the truth either way, and a worker that dies here leaves due rows that any
        sweep finds. Another django.tasks runner (at scale, without our sweep) still runs them.
        """
        now = timezone.now()
        ready.filter(pk__in=ids, task_path=WAKEUP_TASK_PATH).update(
            status=TaskResultStatus.SUCCESSFUL, started_at=now, finished_at=now, worker_ids=[worker_id],
            return_value=None, exception_class_path="", traceback="")
