"""16. Issue #28's latency case: 20 sequential uploads of a small PDF into a switched-on folder, then
100 concurrent, with `comptoir serve`'s defaults (`comptoir web`, one `comptoir worker --concurrency
4`), SQLite, the partner's SMTP server in its own process. Measured twice: on a quiet worker, and
while OCR runs on a 10-page scanned PDF deposited just before.

Each upload is a real one-page PDF with a text layer (so the deposit reads it, and the worker renders
its thumbnail: the background work every deposit queues). Deposit time is the `deposited_at` the
API returns, arrival time is when the SMTP server received that delivery's message.
"""

import time
import uuid
from datetime import datetime

from bench.b_delivery import idle_wait
from bench.context import Context, api_client, run_concurrently
from bench.harness import pdf_scanned, pdf_text_page
from bench.results import Row, median, percentile
from bench.seed import probe_deposit, switched_folder
from bench.servers import sink_start, workers_start

NAME = "sequential"
THREADS = 4  # `comptoir serve`'s worker
CONCURRENT_CLIENTS = 8
TARGET_P95, TARGET_P50, TARGET_RATE = 0.15, 0.08, 40.0


def _deposit(client, folder_id: int, payload: bytes, name: str = "facture.pdf") -> tuple[int, float]:
    response = client.post(f"/api/v1/folders/{folder_id}/documents",
                           files={"file": (name, payload, "application/pdf")})
    if response.status_code != 201:
        raise RuntimeError(f"deposit refused: {response.status_code} {response.text[:200]}")
    body = response.json()
    return body["id"], datetime.fromisoformat(body["deposited_at"]).timestamp()


def _deliveries(document_ids) -> dict[int, int]:
    from comptoir.partners.models import Delivery

    ids = dict(Delivery.objects.filter(document_id__in=document_ids).values_list("pk", "document_id"))
    if len(ids) != len(set(document_ids)):
        raise RuntimeError(f"{len(document_ids)} deposits made {len(ids)} deliveries")
    return ids


def _one_run(ctx: Context, *, world, folder, url: str, sink, worker, ocr_pages: int, tag: str) -> dict:
    from comptoir.ged.models import DocumentExtract

    sequential, concurrent = ctx.size(5, 20), ctx.size(10, 100)
    with api_client(url, world.token) as client:
        scan_id = None
        if ocr_pages:
            scan_id, _ = _deposit(client, folder.pk, pdf_scanned(ocr_pages, tag), name="releve-scanne.pdf")
        deposited: dict[int, float] = {}
        for index in range(sequential):
            document_id, at = _deposit(client, folder.pk, pdf_text_page(f"{tag}-s{index}"))
            deposited[document_id] = at
    ids = _deliveries(deposited)
    arrived = sink.wait_for(ids, timeout=120, senders=[worker])
    latencies = [arrived[str(pk)] - deposited[document_id] for pk, document_id in ids.items()]
    ocr_busy = scan_id is not None and DocumentExtract.objects.filter(
        document_id=scan_id, ocr_state="pending").exists()

    payloads = [pdf_text_page(f"{tag}-c{index}") for index in range(concurrent)]
    concurrent_ids: list[int] = []
    started = time.time()
    run_concurrently(payloads, lambda c, payload: concurrent_ids.append(_deposit(c, folder.pk, payload)[0]),
                     clients=CONCURRENT_CLIENTS, client_factory=lambda: api_client(url, world.token))
    last = max(sink.wait_for(_deliveries(concurrent_ids), timeout=120 + concurrent, senders=[worker]).values())
    return {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
            "rate": concurrent / (last - started), "ocr_still_running": ocr_busy}


def run(ctx: Context) -> list[Row]:
    world = ctx.world()
    folder = switched_folder(world, name=f"Banc séquentiel {uuid.uuid4().hex[:6]}")
    _, url = ctx.web()
    sink = sink_start(ctx.stage)
    [worker] = workers_start(ctx.stage, count=1, email_port=sink.port, concurrency=THREADS)
    rows = []
    try:
        sink.wait_for(probe_deposit(world, folder, tag=f"seq-warm-{uuid.uuid4().hex[:4]}"), timeout=90,
                      senders=[worker])
        for ocr_pages, series in ((0, "quiet worker"), (ctx.size(2, 10), "OCR of a scanned PDF running")):
            runs = []
            for run_number in range(ctx.runs):
                idle_wait([worker.pid])
                runs.append(_one_run(ctx, world=world, folder=folder, url=url, sink=sink, worker=worker,
                                     ocr_pages=ocr_pages, tag=f"q{ocr_pages}-{run_number}-{uuid.uuid4().hex[:4]}"))
            busy = sum(run["ocr_still_running"] for run in runs)
            note = f"{series}" + (f"; OCR still running after the uploads in {busy}/{len(runs)} runs"
                                  if ocr_pages else "")
            p50, p95, rate = (median([run[key] for run in runs]) for key in ("p50", "p95", "rate"))
            rows += [
                Row(bench=NAME, label=f"20 sequential uploads, deposit→sent p50 ({series})", value=p50, unit="s",
                    target=f"≤ {TARGET_P50:g} s", ok=p50 <= TARGET_P50, note=note,
                    extra={"runs": [run["p50"] for run in runs]}),
                Row(bench=NAME, label=f"20 sequential uploads, deposit→sent p95 ({series})", value=p95, unit="s",
                    target=f"≤ {TARGET_P95:g} s", ok=p95 <= TARGET_P95, note=note,
                    extra={"runs": [run["p95"] for run in runs]}),
                Row(bench=NAME, label=f"100 concurrent uploads → last at the partner ({series})", value=rate,
                    unit="docs/s", target=f"≥ {TARGET_RATE:g} docs/s", ok=rate >= TARGET_RATE,
                    note=f"{CONCURRENT_CLIENTS} API clients", extra={"runs": [run["rate"] for run in runs]}),
            ]
    finally:
        ctx.stage.stop(worker)
        ctx.stage.stop(sink.proc)
    return rows
