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


def _session_cookie(user) -> dict[str, str]:
    """A logged-in session for `user`, made as django.contrib.auth's login() makes one."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(user.pk), settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return {settings.SESSION_COOKIE_NAME: session.session_key}


def hostile_pdf(width: float, height: float) -> bytes:
    """A tiny valid PDF (under 600 bytes) whose one empty page claims `width` × `height` points."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %g %g] >>" % (width, height)]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 4\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return bytes(out + b"trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref)


def _hostile(ctx: Context) -> list[Row]:
    """Issue #22, finding 3: 4 parallel page views of a 579-byte PDF claiming 2 × 14,400 points (the
    web worker's peak over idle, and seconds per page), and OCR of a page 4,409 points square."""
    import resource
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    from django.urls import reverse

    from comptoir.ged import render

    world = ctx.world()
    proc, url = ctx.web()
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {world.token}"}, timeout=600) as api:
        ribbon = api.post(f"/api/v1/folders/{world.sales.pk}/documents",
                          files={"file": ("ruban.pdf", hostile_pdf(2, 14400), "application/pdf")}).json()["id"]
        normal = api.post(f"/api/v1/folders/{world.sales.pk}/documents",
                          files={"file": ("page.pdf", hostile_pdf(595, 842), "application/pdf")}).json()["id"]
    cookies = _session_cookie(world.admin)

    def page(document_id: int) -> float:
        with httpx.Client(base_url=url, cookies=cookies, timeout=600) as client:
            begun = time.perf_counter()
            response = client.get(reverse("ged:page_image", args=[document_id]), params={"page": 1})
            if response.headers.get("content-type") != "image/png":
                raise RuntimeError(f"page view answered {response.status_code} {response.headers.get('content-type')}")
            return time.perf_counter() - begun

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(page, [normal] * 8))  # warm-up: every worker has rendered a page
        workers = _Workers(proc.pid)
        peaks, seconds = [], []
        for _ in range(ctx.runs):
            workers.reset()
            seconds += list(pool.map(page, [ribbon] * 4))
            peaks.append(workers.peak())
    ocr_cpu, ocr_wall = [], []
    with tempfile.NamedTemporaryFile(suffix=".pdf") as square:
        square.write(hostile_pdf(4409, 4409))
        square.flush()
        for _ in range(ctx.runs):
            before = time.process_time(), resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
            render.ocr_text(path=square.name, content_type="application/pdf")
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            ocr_wall.append(time.perf_counter() - before[2])
            ocr_cpu.append(time.process_time() - before[0] + after.ru_utime + after.ru_stime
                           - before[1].ru_utime - before[1].ru_stime)
    growth = max(peak - idle for idle, peak in peaks)
    return [
        Row(bench=NAME, label="web, 4 parallel page views of a page claiming 2 × 14,400 pt", value=growth,
            unit="MB over idle", target=f"≤ {TARGET_MB:g} MB", ok=growth <= TARGET_MB,
            note=f"worst of {ctx.runs} runs; gunicorn worker", extra={"runs": peaks}),
        Row(bench=NAME, label="web, seconds per hostile page view (4 at once)", value=max(seconds), unit="s",
            target="≤ 2 s", ok=max(seconds) <= 2, note=f"slowest of {len(seconds)}", extra={"runs": seconds}),
        Row(bench=NAME, label="OCR of a page 4,409 pt square (12,248 px a side at 200 dpi)", value=max(ocr_cpu),
            unit="CPU s", target="≤ 2 s", ok=max(ocr_cpu) <= 2,
            note=f"Tesseract included; wall {max(ocr_wall):.2f} s", extra={"runs": ocr_cpu, "wall": ocr_wall}),
    ]


def run(ctx: Context) -> list[Row]:
    return [*_web(ctx), _worker(ctx), *_hostile(ctx)]
