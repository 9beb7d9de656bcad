"""Real `comptoir worker` processes on one file-based SQLite database, against a real SMTP server.

Each send is counted at the server by its X-Comptoir-Delivery-Id: exactly once with four concurrent
workers; after a SIGKILL mid-batch, every delivery arrives, the killed worker's within seconds (its
leases are no longer renewed by its heartbeat), and the duplicates are measured; after a SIGTERM,
nothing is sent twice and nothing waits for a lease.
"""

import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.sites import embedded_env, site_from_template
from tests.smtp_server import SmtpServer

# Real worker processes on a file SQLite database: what PostgreSQL does with several workers is
# tests/scale/test_worker_crash.py's, in the scale pass.
pytestmark = pytest.mark.embedded_only

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


class Site:
    """A temporary COMPTOIR_DATA_DIR with a migrated database, and the workers running on it."""

    def __init__(self, data_dir: Path, smtp_port: int, *, template: Path, lease_seconds: int = 10):
        self.data_dir = data_dir
        self.template = template
        self.env = embedded_env(data_dir, EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
                                COMPTOIR_DELIVERY_LEASE_SECONDS=str(lease_seconds), LOG_LEVEL="WARNING")
        self.workers: list[subprocess.Popen] = []

    def run(self, *argv: str) -> None:
        subprocess.run([sys.executable, *argv], cwd=ROOT, env=self.env, check=True, capture_output=True,
                       timeout=300)

    def migrate(self) -> None:
        """The database as `comptoir migrate` leaves it: a copy of the session's template (tests/sites.py)."""
        site_from_template(self.template, self.data_dir)

    def prepare(self, deliveries: int) -> None:
        self.migrate()
        self.run(str(ROOT / "tests" / "delivery" / "seed_outbox.py"), str(deliveries))

    def worker(self, concurrency: int = 1) -> subprocess.Popen:
        log = open(self.data_dir / f"worker-{len(self.workers)}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen([sys.executable, "-m", "comptoir", "worker", "--concurrency", str(concurrency)],
                                   cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.workers.append(process)
        return process

    def query(self, sql: str, *params) -> list[tuple]:
        with sqlite3.connect(f"file:{self.data_dir / 'comptoir.sqlite3'}?mode=ro", uri=True, timeout=20) as db:
            return db.execute(sql, params).fetchall()

    def statuses(self) -> dict[str, int]:
        return dict(self.query("SELECT status, count(*) FROM partners_delivery GROUP BY status"))

    def held_by(self, process: subprocess.Popen) -> set[int]:
        """The rows this worker process is sending (its claim tokens start with host:pid:)."""
        prefix = f"{socket.gethostname()}:{process.pid}:"
        return {pk for (pk,) in self.query("SELECT id FROM partners_delivery WHERE status = 'sending' "
                                           "AND substr(leased_by, 1, ?) = ?", len(prefix), prefix)}

    def sent(self, ids: set[int]) -> bool:
        rows = self.query(f"SELECT count(*) FROM partners_delivery WHERE status = 'sent' "  # noqa: S608
                          f"AND id IN ({','.join('?' * len(ids))})", *ids)
        return rows[0][0] == len(ids)

    def wait(self, condition, *, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                logs = "\n".join(p.read_text()[-2000:] for p in self.data_dir.glob("worker-*.log"))
                raise AssertionError(f"timed out waiting for {what}: {self.statuses()}\n{logs}")
            time.sleep(0.1)

    def stop(self) -> list[int]:
        for process in self.workers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes = []
        for process in self.workers:
            try:
                codes.append(process.wait(timeout=30))
            except subprocess.TimeoutExpired:
                process.kill()
                codes.append(process.wait())
        return codes


@pytest.fixture
def site_factory(tmp_path, migrated_template):
    sites = []

    def make(smtp_port: int, **kwargs) -> Site:
        site = Site(tmp_path / f"site{len(sites)}", smtp_port, template=migrated_template, **kwargs)
        site.data_dir.mkdir()
        sites.append(site)
        return site

    yield make
    for site in sites:
        site.stop()


def _ids(server: SmtpServer) -> Counter:
    return Counter(int(message["X-Comptoir-Delivery-Id"]) for message in server.messages)


def test_four_worker_processes_send_500_deliveries_each_exactly_once(smtp, site_factory):
    site = site_factory(smtp.port)
    site.prepare(500)
    assert site.statuses() == {"pending": 500}
    for _ in range(4):
        site.worker(concurrency=2)
    site.wait(lambda: site.statuses() == {"sent": 500}, timeout=240, what="500 sent")
    counts = _ids(smtp)
    assert len(counts) == 500
    assert max(counts.values()) == 1, f"sent twice: {[i for i, n in counts.items() if n > 1]}"
    assert site.stop() == [0, 0, 0, 0], "SIGTERM lets workers finish and exit cleanly"


def test_a_worker_killed_mid_batch_has_its_sends_taken_back_within_seconds(smtp, site_factory, capsys):
    """Two worker processes; one SIGKILLed mid-batch. Its stranded rows are sent again by the other
    within seconds (default lease, 10 s, renewed by the heartbeat), not after a five-minute lease."""
    site = site_factory(smtp.port)
    site.prepare(300)
    victim = site.worker(concurrency=4)
    survivor = site.worker(concurrency=2)
    site.wait(lambda: len(smtp.envelopes) >= 60 and site.held_by(victim), timeout=120,
              what="the victim sending")
    victim.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    victim.wait(timeout=10)
    stranded = site.held_by(victim)
    assert stranded, "killed while holding rows"
    site.wait(lambda: site.sent(stranded), timeout=60, what="the stranded rows sent again")
    recovered_in = time.monotonic() - killed_at
    site.wait(lambda: site.statuses() == {"sent": 300}, timeout=180, what="every delivery sent")
    counts = _ids(smtp)
    duplicates = sum(n - 1 for n in counts.values())
    with capsys.disabled():
        print(f"\nSIGKILL mid-batch: {len(stranded)} stranded row(s) sent again {recovered_in:.1f} s after the "
              f"kill; {len(counts)} distinct deliveries received, {duplicates} duplicate(s)")
    assert len(counts) == 300
    # The bound is generous for a shared, overloaded machine (the lease used to be 300 s); the
    # benchmark quotes the measured figure (about 10 s).
    assert recovered_in < 60
    # Only a send accepted by the server but not yet recorded (the batch records its outcomes together)
    # can be repeated: at most once, and only among the rows the killed worker held.
    assert max(counts.values()) <= 2
    assert {pk for pk, n in counts.items() if n > 1} <= stranded
    assert survivor.poll() is None


def test_sigterm_mid_batch_sends_nothing_twice_and_leaves_no_lease_to_wait_for(smtp, site_factory):
    """A long lease (300 s) so that any row left behind would visibly wait for it."""
    site = site_factory(smtp.port, lease_seconds=300)
    site.prepare(200)
    stopping = site.worker(concurrency=4)
    site.wait(lambda: len(smtp.envelopes) >= 40 and site.held_by(stopping), timeout=120, what="the first sends")
    stopping.send_signal(signal.SIGTERM)
    signalled_at = time.monotonic()
    assert stopping.wait(timeout=30) == 0, "SIGTERM: finish the send in flight, hand back the rest, exit 0"
    assert site.held_by(stopping) == set(), "nothing left leased by the stopped worker"
    assert site.statuses().get("sent", 0) < 200, "stopped before the end"
    site.worker(concurrency=2)
    site.wait(lambda: site.statuses() == {"sent": 200}, timeout=120, what="every delivery sent")
    assert time.monotonic() - signalled_at < 150, "nothing waited for the 300 s lease"
    counts = _ids(smtp)
    assert len(counts) == 200
    assert max(counts.values()) == 1, f"sent twice: {[i for i, n in counts.items() if n > 1]}"
    stopped = site.query("SELECT stopped_at FROM jobs_workerprocess WHERE name = ?",
                         f"{socket.gethostname()}:{stopping.pid}")
    assert stopped and stopped[0][0] is not None, "the worker said it stopped"


def test_a_periodic_job_runs_once_per_due_time_across_two_worker_processes(smtp, site_factory):
    site = site_factory(smtp.port)
    site.prepare(0)
    log = site.data_dir / "job.log"
    site.env.update(DJANGO_SETTINGS_MODULE="tests.delivery.settings_periodic_job", COMPTOIR_TEST_JOB_LOG=str(log))
    workers = [site.worker(concurrency=2), site.worker(concurrency=2)]
    site.wait(lambda: len(site.query("SELECT id FROM jobs_periodicjobrun WHERE job = 'test.every_second'")) >= 5,
              timeout=90, what="five due times")
    assert site.stop() == [0, 0]
    runs = site.query("SELECT due_at, worker, outcome FROM jobs_periodicjobrun WHERE job = 'test.every_second'")
    executions = log.read_text().splitlines()
    assert len(executions) == len(runs), "each due time ran once, in one process"
    assert len({due for due, _, _ in runs}) == len(runs)
    assert {outcome for _, _, outcome in runs} == {"done"}
    assert {line.split()[0] for line in executions} <= {str(w.pid) for w in workers}
