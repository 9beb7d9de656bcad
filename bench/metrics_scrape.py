"""/metrics against a million delivery rows (SQLite): server time per scrape, before and after.

    .venv/bin/python -m bench.metrics_scrape [--rows 1000000] [--scrapes 1000]

Builds --rows documents and as many deliveries (0.1 % failed, a few hundred waiting, the rest sent)
with one INSERT … SELECT each in a temporary data dir, then times:
- "after": `metrics_render()` (what the view returns) --scrapes times in this process: the server's
  time per scrape; and the same number of GET /metrics through `comptoir web` (2 workers), round trip;
- "before": the previous implementation (counting the tables on each scrape, kept in git at
  BEFORE_COMMIT), a few scrapes, in this process against the same rows.
"""

import argparse
import importlib.util
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.harness import ROOT, Proc, free_port, port_open, wait_until

BEFORE_COMMIT = "3dac41a"  # comptoir/ops/metrics.py before the prometheus_client counters

SETUP = """
from comptoir.firms.services import firm_create
from comptoir.ged.models import Folder
from comptoir.ged.services import company_onboard, document_deposit
from comptoir.partners.models import Destination
from comptoir.partners.services import connection_set, installation_create
from django.core.files.base import ContentFile
firm, admin = firm_create(name="Cabinet Million", admin_email="m@cabinet.fr", admin_password="Un-Million-2025")
company = company_onboard(firm=firm, actor=admin, name="Entreprise Million", siren="732829320")
installation = installation_create(firm=firm, slug="upflow", actor=admin)
connection = connection_set(installation=installation, company=company,
                            destinations={"collection": "f@upflow.example"}, actor=admin)
folder = Folder.objects.get(company=company, name="Achats")
document = document_deposit(folder=folder, file=ContentFile(b"%PDF-1.4 million", name="m.pdf"), channel="web",
                            actor=admin, filename="m.pdf")
print("IDS", company.pk, firm.pk, folder.pk, Destination.objects.get(connection=connection).pk, document.pk)
"""

DOCUMENTS = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :rows)
INSERT INTO ged_document (company_id, folder_id, name, original_filename, blob, sha256, size, content_type,
                          channel, deposited_at, lineage, source)
SELECT :company, :folder, 'f' || i || '.pdf', 'f' || i || '.pdf', 'documents/m/' || i, printf('%064d', i), 1000,
       'application/pdf', CASE i % 10 WHEN 0 THEN 'email' WHEN 1 THEN 'api' ELSE 'web' END,
       datetime('now', '-' || (i % 86400) || ' seconds'), lower(hex(randomblob(16))), '{}'
FROM n
"""

DELIVERIES = """
INSERT INTO partners_delivery (document_id, lineage, destination_id, company_id, firm_id, app_slug, trigger, status,
                               reason, attempts, leased_by, last_error, created_at, updated_at, sent_at,
                               next_attempt_at)
SELECT id, lineage, :destination, :company, :firm, 'upflow', 'deposit',
       CASE WHEN id % 1000 = 0 THEN 'failed' WHEN id % 4000 = 1 THEN 'pending' WHEN id % 5000 = 2 THEN 'retrying'
            ELSE 'sent' END,
       '', 1, '', '', deposited_at, deposited_at,
       CASE WHEN id % 1000 = 0 OR id % 4000 = 1 OR id % 5000 = 2 THEN NULL
            ELSE datetime(deposited_at, '+' || (id % 90) || ' seconds') END,
       CASE WHEN id % 5000 = 2 THEN datetime('now', '+5 minutes') END
FROM ged_document WHERE id > :first
"""


def _rows_build(database: Path, ids: list[int], rows: int) -> float:
    company, firm, folder, destination, first = ids
    started = time.monotonic()
    with sqlite3.connect(database) as connection:
        connection.execute(DOCUMENTS, {"rows": rows, "company": company, "folder": folder})
        connection.execute(DELIVERIES, {"destination": destination, "company": company, "firm": firm,
                                        "first": first})
    return time.monotonic() - started


def _before_module():
    source = subprocess.run(["git", "show", f"{BEFORE_COMMIT}:comptoir/ops/metrics.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "metrics_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("metrics_before", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _timed(render, count: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds per call: on a loaded machine the CPU time is the cost."""
    times, cpu = [], []
    for _ in range(count):
        started, started_cpu = time.perf_counter(), time.process_time()
        render()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return times, cpu


def _floor() -> None:
    """What any scrape costs at least: one query through Django and an (empty) exposition."""
    from django.db import connection
    from prometheus_client import CollectorRegistry, generate_latest

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    generate_latest(CollectorRegistry())


def _summary(label: str, times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return (f"{label:<44} {len(times):>6} {statistics.median(times):>9.2f} {p95:>9.2f} "
            f"{statistics.fmean(times):>9.2f}")


def _http_scrapes(env: dict, logs: Path, count: int) -> list[float]:
    port = free_port()
    proc = Proc("web", [sys.executable, "-m", "comptoir", "web", "--host", "127.0.0.1", "--port", str(port),
                        "--workers", "2", "--threads", "2", "--no-collectstatic"], env=env, log_dir=logs)
    try:
        wait_until(lambda: port_open(port) or proc.check_alive(), timeout=60, what="comptoir web")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(20):  # warm both workers
                client.get("/metrics").raise_for_status()
            times = []
            for _ in range(count):
                started = time.perf_counter()
                response = client.get("/metrics")
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200 and b"comptoir_delivery_queue" in response.content
        return times
    finally:
        proc.stop()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.metrics_scrape", description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--scrapes", type=int, default=1000)
    parser.add_argument("--before-scrapes", type=int, default=5)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="comptoir-bench-metrics-"))
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "COMPTOIR_S3_BUCKET", "COMPTOIR_METRICS_DIR"}}
    env.update(COMPTOIR_DATA_DIR=str(tmp / "data"), DJANGO_SETTINGS_MODULE="comptoir.settings", LOG_LEVEL="WARNING")
    logs = tmp / "logs"
    logs.mkdir()
    try:
        command = [sys.executable, "-m", "comptoir"]
        subprocess.run([*command, "migrate", "--verbosity", "0"], env=env, cwd=ROOT, check=True, timeout=300)
        setup = subprocess.run([*command, "shell", "-c", SETUP], env=env, cwd=ROOT, check=True, timeout=300,
                               capture_output=True, text=True)
        ids = [int(value) for value in setup.stdout.split("IDS", 1)[1].split()]
        built = _rows_build(tmp / "data" / "comptoir.sqlite3", ids, args.rows)
        os.environ.update(env)
        import django

        django.setup()
        from comptoir.ops.metrics import metrics_render
        from comptoir.partners.models import Delivery

        total = Delivery.objects.count()
        print(f"/metrics on SQLite, {total:,} delivery rows and as many documents (built in {built:.1f}s); "
              "shared machine (2 cores, other engineers' tests running)")
        print(f"{'measure':<44} {'n':>6} {'median ms':>9} {'p95 ms':>9} {'mean ms':>9}")
        floor_wall, floor_cpu = _timed(_floor, args.scrapes)
        after_wall, after_cpu = _timed(metrics_render, args.scrapes)
        print(_summary("floor: SELECT 1 + empty exposition, wall", floor_wall))
        print(_summary("floor: same, CPU", floor_cpu))
        print(_summary("after: metrics_render() in-process, wall", after_wall))
        print(_summary("after: metrics_render() in-process, CPU", after_cpu))
        print(_summary("after: GET /metrics via comptoir web, round trip", _http_scrapes(env, logs, args.scrapes)))
        before = _before_module()
        before_wall, before_cpu = _timed(before.metrics_render, args.before_scrapes)
        print(_summary(f"before ({BEFORE_COMMIT}): render, wall", before_wall))
        print(_summary(f"before ({BEFORE_COMMIT}): render, CPU", before_cpu))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
