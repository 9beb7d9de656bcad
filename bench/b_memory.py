"""5. Memory: peak RSS over idle of the web process during a big upload and download, and of the
worker sending a 20 MB attachment (Inqom's limit; 50 MB before NoteFacile & co left the store).

Peaks are VmHWM from /proc/<pid>/status, reset to the current RSS just before each operation
(`clear_refs`), so each figure is that operation's own peak. The file is streamed from a generator
on the client side: nothing here ever holds it whole.
"""

import time
import uuid

import httpx

from bench.b_delivery import idle_wait
from bench.context import Context
from bench.harness import (
    StreamFile,
    children_of,
    hwm_mb,
    hwm_reset,
    pdf_bytes,
    pdf_stream,
    process_tree,
    rss_mb,
    wait_until,
)
from bench.results import Row
from bench.seed import probe_deposit, switched_folder
from bench.servers import sink_start, workers_start

NAME = "memory"
TARGET_MB = 100.0
MB = 1024 * 1024


def _tree_rss(pid: int) -> float:
    return sum(rss_mb(p) or 0 for p in process_tree(pid))


def _tree_hwm(pid: int) -> float:
    return sum(hwm_mb(p) or 0 for p in process_tree(pid))


def _tree_hwm_reset(pid: int) -> None:
    for p in process_tree(pid):
        hwm_reset(p)


def _upload(client: httpx.Client, *, folder_id: int, size: int, tag: str) -> int:
    boundary = uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"gros-{tag}.pdf\"\r\n"
            "Content-Type: application/pdf\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def body():
        yield head
        yield from pdf_stream(size, tag)
        yield tail

    response = client.post(f"/api/v1/folders/{folder_id}/documents", content=body(), headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Content-Length": str(len(head) + size + len(tail)),
    })
    if response.status_code != 201:
        raise RuntimeError(f"upload refused: {response.status_code} {response.text[:200]}")
    return response.json()["id"]


def _download(client: httpx.Client, *, document_id: int) -> int:
    received = 0
    with client.stream("GET", f"/api/v1/documents/{document_id}/content") as response:
        if response.status_code != 200:
            raise RuntimeError(f"download refused: {response.status_code}")
        for chunk in response.iter_raw(1024 * 1024):
            received += len(chunk)
    return received


def _row(label: str, runs: list[tuple[float, float]], note: str) -> Row:
    """`runs`: (idle, peak) in MB per run; the figure is the worst run, a target on memory being a ceiling."""
    idle, peak = max(runs, key=lambda run: run[1] - run[0])
    over = peak - idle
    return Row(bench=NAME, label=label, value=over, unit="MB over idle", target=f"≤ {TARGET_MB:.0f} MB",
               ok=over <= TARGET_MB, note=f"idle {idle:.0f} MB, peak {peak:.0f} MB; {note}",
               extra={"runs_mb": runs})


class _Workers:
    """The gunicorn worker processes of one `comptoir web`: whichever serves the request, its peak counts."""

    def __init__(self, master: int):
        self.pids = wait_until(lambda: children_of(master), timeout=30, what="the gunicorn workers")
        self.idle = {pid: rss_mb(pid) or 0 for pid in self.pids}

    def reset(self) -> None:
        for pid in self.pids:
            hwm_reset(pid)

    def peak(self) -> tuple[float, float]:
        """(idle, peak) of the worker that grew the most since the reset."""
        grown = max(self.pids, key=lambda pid: (hwm_mb(pid) or 0) - self.idle[pid])
        return self.idle[grown], hwm_mb(grown) or 0


def _web(ctx: Context) -> list[Row]:
    from comptoir.ged.services import folder_create

    world = ctx.world()
    size = ctx.size(4 * MB, 1024 * MB)
    folder = folder_create(company=world.company, parent=None, name=f"Banc mémoire {uuid.uuid4().hex[:6]}",
                           actor=world.admin)
    proc, url = ctx.web()
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {world.token}"}, timeout=600) as client:
        # Warm-up: every code path of the measured requests has run in each worker.
        for index in range(4):
            small = client.post(f"/api/v1/folders/{folder.pk}/documents",
                                files={"file": ("petit.pdf", pdf_bytes(300 * 1024, f"warm{index}"), "application/pdf")})
            _download(client, document_id=small.json()["id"])
            _upload(client, folder_id=folder.pk, size=3 * MB, tag=f"warm-big{index}")
        workers = _Workers(proc.pid)
        uploads, downloads = [], []
        for run_number in range(ctx.runs):
            workers.reset()
            document_id = _upload(client, folder_id=folder.pk, size=size, tag=f"big{run_number}")
            uploads.append(workers.peak())
            workers.reset()
            if _download(client, document_id=document_id) != size:
                raise RuntimeError("download came back short")
            downloads.append(workers.peak())
    label = f"{size // MB} MB"
    return [_row(f"web, {label} upload", uploads, "gunicorn worker, streamed request"),
            _row(f"web, {label} download", downloads, "gunicorn worker, streamed response")]


def _worker(ctx: Context) -> Row:
    from comptoir.ged.services import document_deposit
    from comptoir.partners.models import Delivery

    world = ctx.world()
    size = ctx.size(3 * MB, 20 * MB)
    # Inqom takes files up to 20 MB (Upflow stops at 25 MB, but only invoices).
    folder = switched_folder(world, name=f"Banc pièces lourdes {uuid.uuid4().hex[:6]}", slug="inqom",
                             key="achats")
    sink = sink_start(ctx.stage)
    workers = workers_start(ctx.stage, count=1, email_port=sink.port)
    try:
        sink.wait_for(probe_deposit(world, folder, tag=f"warm-{uuid.uuid4().hex[:4]}"), timeout=90, senders=workers)
        idle_wait([workers[0].pid])
        idle = _tree_rss(workers[0].pid)
        peaks = []
        for run_number in range(ctx.runs):
            _tree_hwm_reset(workers[0].pid)
            document = document_deposit(folder=folder, file=StreamFile(pdf_stream(size, f"lourd{run_number}"),
                                                                       name="lourd.pdf"),
                                        channel="api", actor=world.admin, filename=f"lourd-{run_number}.pdf")
            ids = list(Delivery.objects.filter(document=document, status="pending").values_list("pk", flat=True))
            if not ids:
                raise RuntimeError("the heavy document made no pending delivery (refused by the partner's limits?)")
            started = time.monotonic()
            sink.wait_for(ids, timeout=300, senders=workers)
            peaks.append(_tree_hwm(workers[0].pid))
            if time.monotonic() - started > 290:
                break
    finally:
        for worker in workers:
            ctx.stage.stop(worker)
        ctx.stage.stop(sink.proc)
    return _row(f"worker, {size // MB} MB attachment", [(idle, peak) for peak in peaks],
                "comptoir worker sending by email")


def run(ctx: Context) -> list[Row]:
    return [*_web(ctx), _worker(ctx)]
