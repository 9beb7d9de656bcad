"""The worker process, in two lanes: N send threads that send the outboxes (deliveries, then mail to
people) and do nothing else, and B background threads that run queued django.tasks (thumbnails and
OCR, zip imports, digests…) and the periodic jobs. A due delivery never waits behind a background
job: no send thread ever starts one, and a background thread starts one only when no send is in
flight (or after BACKGROUND_YIELD seconds of sends without a gap). The CPU-heavy part of background
work (renders, OCR) runs in the render process (`ged.render_process`), at a lower priority.

The sweep is what makes background work reliable: a lost wake-up, a killed worker (its leases run
out) or a retry whose time has come are all found by the same query on the outbox tables. In each
lane, idle threads take turns to poll, one poll every `poll_interval` seconds for the lane, and a
thread that finds work hands the next turn to an idle one at once, so a burst fans out in
milliseconds. A wake-up (`jobs.wakeups`: same process, or PostgreSQL's NOTIFY) polls at once.

The process registers itself and heartbeats every fifth of the lease (`jobs.heartbeats`): the beat
renews the leases of everything its threads are sending, so only a dead worker's leases run out,
and it notices dead workers and puts their running tasks back in the queue. SIGTERM: the threads
finish the send in flight, hand back the rest of their batch, and the process hands back anything
still leased before it says it stopped, so nothing waits for a lease after a deploy.
"""

import contextlib
import logging
import os
import signal
import socket
import threading
import time

from django.conf import settings
from django.db import OperationalError, close_old_connections, connection, connections
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.management.commands.db_worker import Worker as TaskRunner
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from comptoir.delivery.services import delivery_batch_send, delivery_claim_due
from comptoir.jobs.heartbeats import (
    heartbeat_period,
    worker_heartbeat,
    worker_reap,
    worker_register,
    worker_stopped,
    workers_dead,
)
from comptoir.jobs.mail_outbox import mails_lease_end, mails_lease_renew, mails_release_process, mails_send_due
from comptoir.jobs.scheduler import periodic_jobs_run_due
from comptoir.jobs.wakeups import CHANNEL, work_wait, work_wake_local
from comptoir.partners.outbox import deliveries_lease_end, deliveries_lease_renew, deliveries_release_process
from comptoir.partners.transports.smtp_session import smtp_session_close_idle, smtp_sessions_kept

logger = logging.getLogger(__name__)

# Deliveries claimed per sweep: enough to spread the claim's queries, few enough that a burst still
# spreads over the other threads and a killed worker strands little.
CLAIM_BATCH = 8
SCHEDULER_TICK = 1.0
# The longest a background thread defers its next job to sends in flight.
BACKGROUND_YIELD = 0.5


class _Lane:
    """Threads of one kind taking turns to poll: one poll per `poll_interval`, hand-offs when busy."""

    def __init__(self, size: int):
        self.size = size
        self.turns = threading.Condition()
        self.next_poll = 0.0
        self.handoffs = 0


class DeliveryWorker:
    def __init__(self, *, concurrency: int = 1, background: int = 1, poll_interval: float = 0.1,
                 name: str | None = None):
        self.concurrency = max(1, concurrency)
        self.background = max(0, background)
        self.poll_interval = poll_interval
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._helpers: list[threading.Thread] = []
        self._helpers_stop = threading.Event()
        self._sends = _Lane(self.concurrency)
        self._jobs = _Lane(self.background)
        self._renewed_at = time.monotonic()
        # Threads between a claim and its outcome: the heartbeat renews leases only while there are any,
        # and background threads wait for none before they start a job.
        self._sending = 0
        self._sending_lock = threading.Lock()
        self._sends_done = threading.Condition(self._sending_lock)
        self._jobs_seen: dict = {}
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        self._runs_db_tasks = type(backend).__module__.startswith("django_tasks_db")
        self._queues = list(getattr(backend, "queues", None) or ["default"])

    # -- lifecycle -------------------------------------------------------------------------------

    def run(self) -> None:
        """Run until SIGTERM/SIGINT; in-flight sends finish, the rest is handed back, then the process exits."""
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        self.start()
        while any(thread.is_alive() for thread in self._threads):
            for thread in self._threads:
                thread.join(timeout=0.5)
        self._finish()
        logger.info("worker %s stopped", self.name)

    def start(self) -> None:
        logger.info("worker %s starting %d send thread(s) and %d background thread(s)", self.name,
                    self.concurrency, self.background)
        worker_register(name=self.name)
        self._renewed_at = time.monotonic()
        self._helper(self._heartbeat, "worker-heartbeat")
        self._helper(self._relay_wakeups, "worker-wake")
        if connection.vendor == "postgresql":
            self._helper(self._listen_postgresql, "worker-listen")
        for index in range(self.concurrency):
            thread = threading.Thread(target=self._send_loop, args=(index,), name=f"delivery-worker-{index}",
                                      daemon=True)
            thread.start()
            self._threads.append(thread)
        for index in range(self.background):
            thread = threading.Thread(target=self._background_loop, args=(index,), name=f"background-worker-{index}",
                                      daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 30.0) -> None:
        self.stopping.set()
        self._wake_all()
        for thread in self._threads:
            thread.join(timeout=timeout)
        self._finish()

    def _finish(self) -> None:
        """Hand back what this process still holds, stop the helpers, and say so in the registry."""
        self._helpers_stop.set()
        for thread in self._helpers:
            thread.join(timeout=5)
        try:
            released = deliveries_release_process(process=self.name) + mails_release_process(process=self.name)
            worker_stopped(name=self.name)
            if released:
                logger.info("worker %s handed back %d claimed row(s)", self.name, released)
        finally:
            connections.close_all()

    def _helper(self, target, name: str) -> None:
        thread = threading.Thread(target=self._guarded, args=(target,), name=name, daemon=True)
        thread.start()
        self._helpers.append(thread)

    def _guarded(self, target) -> None:
        try:
            target()
        finally:
            connections.close_all()

    def _on_signal(self, signum, frame) -> None:
        logger.warning("worker %s: %s, finishing current sends", self.name, signal.strsignal(signum))
        self.stopping.set()
        self._wake_all()

    # -- heartbeat -------------------------------------------------------------------------------

    def lease_fresh(self) -> bool:
        """Our leases were renewed lately: safe to start another send under them."""
        return time.monotonic() - self._renewed_at < settings.COMPTOIR_DELIVERY_LEASE_SECONDS / 2

    def heartbeat_once(self) -> None:
        close_old_connections()
        beat = time.monotonic()
        worker_heartbeat(name=self.name)
        if self._sending:
            deliveries_lease_renew(process=self.name)
            mails_lease_renew(process=self.name)
        self._renewed_at = beat
        for dead in workers_dead():
            requeued = worker_reap(name=dead)
            if requeued is None:
                continue  # another worker reaped it first
            freed = deliveries_lease_end(process=dead) + mails_lease_end(process=dead)
            logger.warning("worker %s: %s stopped beating; %d row(s) and %d task(s) taken back",
                           self.name, dead, freed, requeued)
            self._wake_all()

    def _heartbeat(self) -> None:
        while not self._helpers_stop.wait(heartbeat_period()):
            try:
                self.heartbeat_once()
            except Exception:
                logger.exception("worker %s: heartbeat failed", self.name)

    # -- taking turns ----------------------------------------------------------------------------

    def _wait_for_turn(self, lane: _Lane) -> None:
        """Idle: sleep until the lane's next poll is due, or a busy thread of the lane hands over a turn."""
        with lane.turns:
            while not self.stopping.is_set():
                if lane.handoffs:
                    lane.handoffs -= 1
                    return
                wait = lane.next_poll - time.monotonic()
                if wait <= 0:
                    lane.next_poll = time.monotonic() + self.poll_interval
                    return
                lane.turns.wait(wait)

    def _hand_off(self, lane: _Lane) -> None:
        """This thread found work: there may be more, so let one idle thread of its lane look now."""
        if lane.size == 1:
            return
        with lane.turns:
            lane.handoffs = min(lane.handoffs + 1, lane.size - 1)
            lane.turns.notify()

    def _wake_all(self) -> None:
        for lane in (self._sends, self._jobs):
            with lane.turns:
                lane.next_poll = 0.0
                lane.turns.notify_all()

    def _relay_wakeups(self) -> None:
        while not self._helpers_stop.is_set():
            if work_wait(0.5):
                self._wake_all()

    def _listen_postgresql(self) -> None:
        """PostgreSQL delivers a NOTIFY with the commit that sent it: wake this process's idle threads."""
        import psycopg

        while not self._helpers_stop.is_set():
            try:
                with psycopg.connect(**connection.get_connection_params(), autocommit=True) as listener:
                    listener.execute(f"LISTEN {CHANNEL}")
                    while not self._helpers_stop.is_set():
                        for _notice in listener.notifies(timeout=0.5, stop_after=1):
                            work_wake_local()
            except Exception:
                logger.exception("worker %s: LISTEN failed; the sweep still finds the work", self.name)
                self._helpers_stop.wait(5)

    # -- the send lane ---------------------------------------------------------------------------

    def _send_loop(self, index: int) -> None:
        worker_id = f"{self.name}:{index}"
        # The thread's SMTP connection is kept between sends, closed when idle and when the thread ends.
        try:
            with smtp_sessions_kept():
                while not self.stopping.is_set():
                    busy = False
                    try:
                        close_old_connections()
                        busy = self.step(worker_id=worker_id)
                    except OperationalError as exc:
                        logger.warning("worker %s: database busy (%s)", worker_id, exc)
                    except Exception:
                        logger.exception("worker %s: unexpected error", worker_id)
                    if busy:
                        self._hand_off(self._sends)
                    elif not self.stopping.is_set():
                        smtp_session_close_idle()
                        self._wait_for_turn(self._sends)
        finally:
            connections.close_all()

    def step(self, *, worker_id: str) -> bool:
        """One turn of a send thread: a small batch of due deliveries, then due mails. True if there was any."""
        busy = False
        with self._holding():
            claimed = delivery_claim_due(worker_id=worker_id, limit=CLAIM_BATCH)
            if claimed:
                delivery_batch_send(deliveries=claimed, worker_id=worker_id, stopping=self.stopping.is_set,
                                    lease_fresh=self.lease_fresh)
                busy = True
            if not self.stopping.is_set() and mails_send_due(worker_id=worker_id, limit=4):
                busy = True
        return busy

    @contextlib.contextmanager
    def _holding(self):
        with self._sending_lock:
            self._sending += 1
        try:
            yield
        finally:
            with self._sending_lock:
                self._sending -= 1
                if not self._sending:
                    self._sends_done.notify_all()

    # -- the background lane ---------------------------------------------------------------------

    def _background_loop(self, index: int) -> None:
        worker_id = f"{self.name}:bg{index}"
        runner = TaskRunner(queue_names=self._queues, interval=0, batch=False, backend_name=DEFAULT_TASK_BACKEND_ALIAS,
                            startup_delay=False, max_tasks=None, worker_id=worker_id, excluded_queue_names=[])
        next_tick = time.monotonic() + SCHEDULER_TICK
        try:
            while not self.stopping.is_set():
                busy = False
                try:
                    close_old_connections()
                    busy = self.background_step(worker_id=worker_id, runner=runner)
                    if index == 0 and time.monotonic() >= next_tick:
                        next_tick = time.monotonic() + SCHEDULER_TICK
                        busy = bool(periodic_jobs_run_due(worker=worker_id, seen=self._jobs_seen)) or busy
                except OperationalError as exc:
                    logger.warning("worker %s: database busy (%s)", worker_id, exc)
                except Exception:
                    logger.exception("worker %s: unexpected error", worker_id)
                if busy:
                    self._hand_off(self._jobs)
                elif not self.stopping.is_set():
                    self._wait_for_turn(self._jobs)
        finally:
            connections.close_all()

    def background_step(self, *, worker_id: str, runner: TaskRunner) -> bool:
        """One turn of a background thread: one queued task, once no send is in flight. True if it ran one."""
        if not self._runs_db_tasks:
            return False
        self._sends_wait(BACKGROUND_YIELD)
        return self._run_one_task(worker_id=worker_id, runner=runner)

    def _sends_wait(self, timeout: float) -> None:
        """Sends first: wait until no send thread is between a claim and its outcome (at most `timeout`)."""
        with self._sending_lock:
            self._sends_done.wait_for(lambda: not self._sending or self.stopping.is_set(), timeout=timeout)

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
