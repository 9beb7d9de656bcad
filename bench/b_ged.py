"""The GED's daily pages and background work: the folder page over 10,000 documents (server time),
thumbnail and OCR time per page, and the memory of streaming a 1 GB zip.

- Folder page: Django's test client in this process, logged in as the firm admin; the time is the
  server's (URL resolution, selectors, template), without a network. Floor: the same page for a folder
  holding 50 documents, so the ratio says what 10,000 cost on top of one page's worth.
- Thumbnail / OCR: the worker's own functions (`ged.previews`) on a 3-page PDF made by PDFium and on a
  Pillow-drawn scan, read back from storage as the worker does.
- Zip: `documents_zip` over documents totalling 1 GB, consumed chunk by chunk; the figure is this
  process's peak RSS above what it held before (VmHWM reset just before).
"""

import io
import os
import statistics
import time
import tracemalloc
import uuid

from bench.context import Context
from bench.harness import hwm_mb, hwm_reset, pdf_stream, rss_mb
from bench.results import Row, percentile

NAME = "ged"
PAGE_TARGET_MS = 300.0
ZIP_TARGET_MB = 100.0
MB = 1024 * 1024


def _fill(*, folder, count: int) -> None:
    from comptoir.ged.models import Document

    Document.objects.bulk_create([
        Document(company_id=folder.company_id, folder=folder, name=f"piece-{index:06d}.pdf",
                 original_filename="piece.pdf", blob=f"bench/{uuid.uuid4().hex}", sha256="0" * 64,
                 size=10_000 + index, content_type="application/pdf", channel="web", lineage=uuid.uuid4())
        for index in range(count)], batch_size=2000)


def _page_times(client, url: str, repeats: int, params: dict | None = None) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of each request (SQLite runs in this process, so its CPU is counted)."""
    client.get(url, params or {})
    times, cpu = [], []
    for index in range(repeats):
        begun, cpu_begun = time.perf_counter(), time.process_time()
        response = client.get(url, {**(params or {}), "page": 1 + index % 3})
        times.append((time.perf_counter() - begun) * 1000)
        cpu.append((time.process_time() - cpu_begun) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"folder page answered {response.status_code}")
    return times, cpu


def _folder_rows(ctx: Context, world) -> list[Row]:
    from django.test import Client

    from comptoir.ged.services import folder_create

    size = ctx.size(500, 10_000)
    big = folder_create(company=world.company, parent=world.sales, name="Grand dossier", actor=world.admin)
    small = folder_create(company=world.company, parent=world.sales, name="Petit dossier", actor=world.admin)
    _fill(folder=big, count=size)
    _fill(folder=small, count=50)
    client = Client()
    client.force_login(world.admin)
    repeats = ctx.size(5, 30)
    floor, floor_cpu = _page_times(client, f"/ged/dossier/{small.pk}/", repeats)
    rows = []
    for label, url, params in (
        (f"folder page, {size:_} documents", f"/ged/dossier/{big.pk}/", {}),
        (f"folder page, {size:_} documents sorted by name", f"/ged/dossier/{big.pk}/", {"tri": "nom"}),
        (f"folder page, {size:_} documents sorted by delivery state", f"/ged/dossier/{big.pk}/", {"tri": "envoi"}),
        (f"Ventes with its subfolders ({size + 50:_} documents)", f"/ged/dossier/{world.sales.pk}/",
         {"sous_dossiers": "1"}),
    ):
        times, cpu = _page_times(client, url, repeats, params)
        value, floor_value = percentile(times, 95), percentile(floor, 95)
        rows.append(Row(bench=NAME, label=label.replace("_", " ") + " (p95)", value=value, unit="ms",
                        floor=floor_value, ratio=value / floor_value if floor_value else None,
                        target=f"≤ {PAGE_TARGET_MS:.0f} ms", ok=value <= PAGE_TARGET_MS,
                        note=f"{repeats} requests, median {statistics.median(times):.0f} ms; floor: 50 documents",
                        extra={"runs": times}))
        cpu_value, cpu_floor = percentile(cpu, 95), percentile(floor_cpu, 95)
        rows.append(Row(bench=NAME, label=label.replace("_", " ") + " CPU time (p95)", value=cpu_value, unit="ms",
                        floor=cpu_floor, ratio=cpu_value / cpu_floor if cpu_floor else None,
                        target=f"≤ {PAGE_TARGET_MS:.0f} ms", ok=cpu_value <= PAGE_TARGET_MS,
                        note=f"median {statistics.median(cpu):.0f} ms; this process (Django + SQLite)",
                        extra={"runs": cpu}))
    return rows


def _preview_rows(ctx: Context, world) -> list[Row]:
    import pypdfium2 as pdfium
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from PIL import Image, ImageDraw, ImageFont

    from comptoir.ged import previews

    pdf = pdfium.PdfDocument.new()
    for _ in range(3):
        pdf.new_page(595, 842)
    out = io.BytesIO()
    pdf.save(out)
    pdf_key = default_storage.save(f"bench/{uuid.uuid4().hex}", ContentFile(out.getvalue()))
    image = Image.new("RGB", (2480, 1000), "white")  # an A4 width at 300 dpi: a real scan's size
    ImageDraw.Draw(image).text((100, 300), "Facture 2026-0042 Boulangerie", fill="black",
                               font=ImageFont.load_default(size=90))
    scan = io.BytesIO()
    image.save(scan, format="PNG")
    scan_key = default_storage.save(f"bench/{uuid.uuid4().hex}", ContentFile(scan.getvalue()))
    repeats = ctx.size(1, 3)
    rows = []
    pdf_type, png_type = "application/pdf", "image/png"
    for label, call, pages in (
        ("thumbnail of a PDF's first page", lambda: previews.thumbnail_render(key=pdf_key, content_type=pdf_type), 1),
        ("thumbnail of a scan", lambda: previews.thumbnail_render(key=scan_key, content_type=png_type), 1),
        ("OCR of a scan (PNG 2480 px)", lambda: previews.ocr_read(key=scan_key, content_type=png_type), 1),
        ("OCR of a PDF, per page (200 dpi)", lambda: previews.ocr_read(key=pdf_key, content_type=pdf_type), 3),
    ):
        times = []
        for _ in range(repeats):
            begun = time.perf_counter()
            call()
            times.append((time.perf_counter() - begun) * 1000 / pages)
        rows.append(Row(bench=NAME, label=label, value=statistics.median(times), unit="ms/page",
                        note=f"{repeats} runs; in the worker, never in a request", extra={"runs": times}))
    return rows


def _zip_rows(ctx: Context, world) -> list[Row]:
    from django.core.files.storage import default_storage

    from comptoir.ged.archives import documents_zip
    from comptoir.ged.models import Document

    total = ctx.size(20 * MB, 1024 * MB)
    each = ctx.size(5 * MB, 50 * MB)
    documents = []
    for index in range(total // each):
        key = default_storage.save(f"bench/zip-{uuid.uuid4().hex}", _Stream(pdf_stream(each, f"zip{index}")))
        documents.append(Document(company=world.company, folder=world.sales, name=f"gros-{index}.pdf", blob=key,
                                  size=default_storage.size(key)))
    pid = os.getpid()
    before = rss_mb(pid) or 0
    hwm_reset(pid)
    tracemalloc.start()
    begun = time.perf_counter()
    archive = documents_zip(documents=documents)
    sent = sum(len(chunk) for chunk in archive)
    seconds = time.perf_counter() - begun
    python_peak = tracemalloc.get_traced_memory()[1] / MB
    tracemalloc.stop()
    peak = max((hwm_mb(pid) or 0) - before, python_peak)
    for document in documents:
        default_storage.delete(document.blob)
    return [Row(bench=NAME, label=f"zip download of {total // MB} MB, peak memory", value=peak, unit="MB",
                target=f"≤ {ZIP_TARGET_MB:.0f} MB", ok=peak <= ZIP_TARGET_MB,
                note=f"{len(documents)} files, {sent / MB:.0f} MB streamed in {seconds:.1f}s; "
                     f"RSS peak over before {(hwm_mb(pid) or 0) - before:.1f} MB, Python allocations peak "
                     f"{python_peak:.1f} MB")]


class _Stream:
    """A read()-able view of a generator of bytes, so storage copies it without holding it whole."""

    def __init__(self, chunks):
        self._chunks, self._buffer = chunks, b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def run(ctx: Context) -> list[Row]:
    world = ctx.world()
    return _folder_rows(ctx, world) + _preview_rows(ctx, world) + _zip_rows(ctx, world)
