"""2. Deposit → sent latency at a steady 20 documents/s, with a real SMTP server on loopback.

Deposit time: the `deposited_at` the API returns. Sent time: when the SMTP server received the
message carrying that delivery's X-Comptoir-Delivery-Id.
"""

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from bench.context import Context, api_client
from bench.harness import pdf_bytes
from bench.results import Row, median, percentile
from bench.seed import probe_deposit, switched_folder
from bench.servers import sink_start, workers_start

NAME = "latency"
RATE = 20.0  # documents/s
DOC_SIZE = 100 * 1024
TARGET_P99 = 0.5  # seconds (issue #11)


def _deposit_steadily(ctx: Context, *, url: str, folder_id: int, count: int,
                      tag: str) -> tuple[dict[int, float], float]:
    """Deposit `count` PDFs at RATE per second whatever the response times; {document id: deposited_at}."""
    local = threading.local()
    clients, lock = [], threading.Lock()
    deposited: dict[int, float] = {}
    errors: list[str] = []
    payloads = [pdf_bytes(DOC_SIZE, f"{tag}-{i}") for i in range(count)]

    def deposit(payload: bytes) -> None:
        if not hasattr(local, "client"):
            local.client = api_client(url, ctx.world().token)
            with lock:
                clients.append(local.client)
        response = local.client.post(f"/api/v1/folders/{folder_id}/documents",
                                     files={"file": ("facture.pdf", payload, "application/pdf")})
        if response.status_code != 201:
            errors.append(f"{response.status_code} {response.text[:200]}")
            return
        body = response.json()
        deposited[body["id"]] = datetime.fromisoformat(body["deposited_at"]).timestamp()

    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        futures = []
        for index, payload in enumerate(payloads):
            delay = start + index / RATE - time.monotonic()
            if delay > 0:
                time.sleep(delay)  # pacing the load generator, not waiting for a result
            futures.append(pool.submit(deposit, payload))
        offered = time.monotonic() - start
        for future in futures:
            future.result()
    for client in clients:
        client.close()
    if errors:
        raise RuntimeError(f"{len(errors)} deposits refused, first: {errors[0]}")
    return deposited, (count - 1) / offered if offered else RATE


def _measure(ctx: Context, *, folder, url: str, threads: int) -> tuple[dict[str, list[float]], list[float], int]:
    """Percentiles per run with one `comptoir worker --concurrency threads` sending."""
    from comptoir.partners.models import Delivery

    world = ctx.world()
    sink = sink_start(ctx.stage)
    workers = workers_start(ctx.stage, count=1, email_port=sink.port, concurrency=threads)
    count = ctx.size(30, 400)
    per_run: dict[str, list[float]] = {"p50": [], "p95": [], "p99": []}
    rates = []
    try:
        # Warm-up: the worker is up and has sent once before anything is timed.
        probe = probe_deposit(world, folder, tag=f"warm-{uuid.uuid4().hex[:6]}")
        sink.wait_for(probe, timeout=60, senders=workers)
        for run_number in range(ctx.runs):
            deposited, rate = _deposit_steadily(ctx, url=url, folder_id=folder.pk, count=count,
                                                tag=f"lat{threads}-{run_number}-{uuid.uuid4().hex[:4]}")
            rates.append(rate)
            ids = dict(Delivery.objects.filter(document_id__in=deposited).values_list("pk", "document_id"))
            if len(ids) != len(deposited):
                raise RuntimeError(f"{len(deposited)} deposits made {len(ids)} deliveries")
            arrived = sink.wait_for(ids, timeout=120 + count / RATE, senders=workers)
            latencies = [arrived[str(pk)] - deposited[document_id] for pk, document_id in ids.items()]
            for name, q in (("p50", 50), ("p95", 95), ("p99", 99)):
                per_run[name].append(percentile(latencies, q))
    finally:
        for worker in workers:
            ctx.stage.stop(worker)
        ctx.stage.stop(sink.proc)
    return per_run, rates, count


def run(ctx: Context) -> list[Row]:
    world = ctx.world()
    folder = switched_folder(world, name=f"Banc latence {uuid.uuid4().hex[:6]}")
    _, url = ctx.web()
    rows = []
    # The embedded default (`comptoir serve`: one worker, one thread), then the same worker with 4 threads.
    for threads in ctx.size((1,), (1, 4)):
        per_run, rates, count = _measure(ctx, folder=folder, url=url, threads=threads)
        figures = {name: median(values) for name, values in per_run.items()}
        worker = "1 worker" + (f" × {threads} threads" if threads > 1 else "")
        for name in ("p50", "p95", "p99"):
            is_p99 = name == "p99"
            rows.append(Row(
                bench=NAME, label=f"deposit→sent {name}, {worker}", value=figures[name], unit="s",
                target=f"≤ {TARGET_P99:g} s" if is_p99 else "",
                ok=(figures[name] <= TARGET_P99) if is_p99 else None,
                note=f"{count} docs/run at {median(rates):.1f} docs/s",
                extra={"runs": per_run[name], **({"percentiles": figures, "series": worker} if is_p99 else {})},
            ))
    return rows
