"""A big S3 download: what the web worker spends on it, streamed (before) vs redirected to a signed URL (after).

    bin/ci-services .venv/bin/python -m bench.s3_download [--size-mb 200]

Needs the S3 endpoint bin/ci-services starts (moto); the database is SQLite in a temporary data dir.
One document of --size-mb is deposited, then `comptoir web` (1 worker, 2 threads) is started twice:
with COMPTOIR_S3_DOWNLOAD_REDIRECT=false (the web process streams the bytes, as before) and with the
default (a 302 to a signed URL, the client then fetches from S3). For each: the time the web worker is
busy with the request, its CPU time, and its peak RSS over its RSS before (VmHWM reset just before).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.harness import (
    ROOT,
    Proc,
    children_of,
    cpu_seconds,
    free_port,
    hwm_mb,
    hwm_reset,
    port_open,
    rss_mb,
    wait_until,
)

SETUP = """
import os
from django.core.files import File
from bench.harness import StreamFile, pdf_stream
from comptoir.firms.services import firm_create
from comptoir.ged.models import Folder
from comptoir.ged.services import company_onboard, document_deposit
firm, admin = firm_create(name="Cabinet S3", admin_email="s3@cabinet.fr", admin_password="Gros-Fichier-2025")
company = company_onboard(firm=firm, actor=admin, name="Entreprise S3", siren="732829320")
folder = Folder.objects.get(company=company, name="Achats")
size = int(os.environ["BENCH_SIZE"])
stream = StreamFile(pdf_stream(size, "s3"), name="gros.pdf")
document = document_deposit(folder=folder, file=File(stream, name="gros.pdf"), channel="web", actor=admin,
                            filename="gros.pdf")
print("DOCUMENT", document.pk, document.size)
small = document_deposit(folder=folder, file=File(StreamFile(pdf_stream(4096, "petit"), name="petit.pdf"),
                         name="petit.pdf"), channel="web", actor=admin, filename="petit.pdf")
print("WARMUP", small.pk)
"""


def _login(client: httpx.Client) -> None:
    page = client.get("/comptes/connexion/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = client.post("/comptes/connexion/", data={"csrfmiddlewaretoken": token, "username": "s3@cabinet.fr",
                                                      "password": "Gros-Fichier-2025"})
    if answer.status_code != 302:
        raise RuntimeError(f"login refused: {answer.status_code}")


def _fetch(client: httpx.Client, document_id: int) -> tuple[int, str | None, int]:
    received = 0
    with client.stream("GET", f"/ged/document/{document_id}/telecharger/") as response:
        for chunk in response.iter_raw(1024 * 1024):
            received += len(chunk)
        return response.status_code, response.headers.get("Location"), received


def _measure(env: dict, log_dir: Path, *, document_id: int, warmup_id: int, redirect: bool) -> dict:
    port = free_port()
    env = {**env, "COMPTOIR_S3_DOWNLOAD_REDIRECT": "true" if redirect else "false"}
    proc = Proc(f"web-{'redirect' if redirect else 'stream'}", [sys.executable, "-m", "comptoir", "web", "--host",
                "127.0.0.1", "--port", str(port), "--workers", "1", "--threads", "2", "--no-collectstatic"],
                env=env, log_dir=log_dir)
    try:
        wait_until(lambda: port_open(port) or proc.check_alive(), timeout=60, what="comptoir web")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600) as client:
            _login(client)
            [worker] = children_of(proc.pid)
            _fetch(client, warmup_id)  # the first download sets up the S3 client (boto3): not the download's cost
            time.sleep(0.5)
            rss_before = rss_mb(worker)
            hwm_reset(worker)
            cpu_before = cpu_seconds([worker])
            started = time.monotonic()
            status, location, received = _fetch(client, document_id)
            web_busy = time.monotonic() - started
            web_cpu = cpu_seconds([worker]) - cpu_before
            peak = (hwm_mb(worker) or 0) - (rss_before or 0)
            if redirect:
                assert status == 302, status
                with httpx.stream("GET", location, timeout=600) as direct:
                    received = sum(len(chunk) for chunk in direct.iter_raw(1024 * 1024))
            else:
                assert status == 200, status
            total = time.monotonic() - started
        return {"web_busy_s": web_busy, "web_cpu_s": web_cpu, "web_peak_over_idle_mb": peak, "total_s": total,
                "bytes": received}
    finally:
        proc.stop()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.s3_download", description=__doc__)
    parser.add_argument("--size-mb", type=int, default=200)
    args = parser.parse_args()
    if not os.environ.get("COMPTOIR_S3_BUCKET"):
        raise SystemExit("needs an S3 endpoint: bin/ci-services .venv/bin/python -m bench.s3_download")
    tmp = Path(tempfile.mkdtemp(prefix="comptoir-bench-s3-"))
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL"}}
    env.update(COMPTOIR_DATA_DIR=str(tmp / "data"), DJANGO_SETTINGS_MODULE="comptoir.settings", LOG_LEVEL="WARNING",
               COMPTOIR_S3_MAX_MEMORY_SIZE=str(2 * 1024 * 1024))
    command = [sys.executable, "-m", "comptoir"]
    subprocess.run([*command, "migrate", "--verbosity", "0"], env=env, cwd=ROOT, check=True, timeout=300)
    subprocess.run([*command, "collectstatic", "--noinput", "--verbosity", "0"], env=env, cwd=ROOT, check=True,
                   timeout=300)
    size = args.size_mb * 1024 * 1024
    logs = tmp / "logs"
    logs.mkdir()
    setup = subprocess.run([*command, "shell", "-c", SETUP], env={**env, "BENCH_SIZE": str(size)}, cwd=ROOT,
                           check=True, timeout=600, capture_output=True, text=True)
    document_id = int(re.search(r"DOCUMENT (\d+)", setup.stdout).group(1))
    warmup_id = int(re.search(r"WARMUP (\d+)", setup.stdout).group(1))
    print(f"S3 download of {args.size_mb} MB through `comptoir web` (1 worker, 2 threads); shared machine")
    print(f"{'mode':<10} {'web busy s':>11} {'web CPU s':>10} {'web peak MB':>12} {'client total s':>15}")
    for redirect in (False, True):
        figures = _measure(env, logs, document_id=document_id, warmup_id=warmup_id,
                           redirect=redirect)
        assert figures["bytes"] == size, figures
        print(f"{'redirect' if redirect else 'stream':<10} {figures['web_busy_s']:>11.3f} {figures['web_cpu_s']:>10.2f}"
              f" {figures['web_peak_over_idle_mb']:>12.1f} {figures['total_s']:>15.2f}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
