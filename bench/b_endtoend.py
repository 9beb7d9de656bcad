"""8. End to end: N documents deposited by 4 API clients into an on folder, until the last arrives.

`comptoir serve`'s defaults: `comptoir web` (its default workers and threads) and one `comptoir
worker --concurrency 4`, SQLite, the partner's SMTP server in its own process. The clock starts at
the first deposit and stops when the SMTP server has the last document. The floor is one smtplib
connection sending the same messages (as in the delivery benchmark), measured in the same run.
CPU milliseconds per document are printed for each process, so the remaining cost is visible.
"""

import time
import uuid

from bench.b_delivery import _floor, idle_wait
from bench.context import Context, api_client, run_concurrently
from bench.harness import cpu_seconds, free_port, pdf_bytes, port_open, process_tree, wait_until
from bench.results import Row, median
from bench.seed import probe_deposit, switched_folder
from bench.servers import BOOT_TIMEOUT, sink_start, workers_start

NAME = "endtoend"
CLIENTS = 4
DOC_SIZE = 100 * 1024
TARGET_RATIO = 0.4


def _one_run(ctx: Context, *, world, folder, url: str, web_pids, sink, worker, count: int,
             tag: str) -> tuple[float, list[int], dict[str, float]]:
    from comptoir.partners.models import Delivery

    payloads = [pdf_bytes(DOC_SIZE, f"{tag}-{i}") for i in range(count)]
    document_ids: list[int] = []

    def deposit(client, payload):
        response = client.post(f"/api/v1/folders/{folder.pk}/documents",
                               files={"file": ("facture.pdf", payload, "application/pdf")})
        if response.status_code != 201:
            raise RuntimeError(f"deposit refused: {response.status_code} {response.text[:200]}")
        document_ids.append(response.json()["id"])

    groups = {"web": [p for pid in web_pids for p in process_tree(pid)], "worker": process_tree(worker.pid),
              "sink": process_tree(sink.proc.pid)}
    cpu_before = {name: cpu_seconds(pids) for name, pids in groups.items()}
    clients_before = time.process_time()
    started = time.time()
    run_concurrently(payloads, deposit, clients=CLIENTS, client_factory=lambda: api_client(url, world.token))
    clients_cpu = time.process_time() - clients_before
    ids = list(Delivery.objects.filter(document_id__in=document_ids).values_list("pk", flat=True))
    arrived = sink.wait_for(ids, timeout=120 + count, senders=[worker])
    elapsed = max(arrived.values()) - started
    cpu = {name: (cpu_seconds(pids) - cpu_before[name]) * 1000 / count for name, pids in groups.items()}
    cpu["clients"] = clients_cpu * 1000 / count
    return count / elapsed, ids, cpu


def run(ctx: Context) -> list[Row]:
    world = ctx.world()
    folder = switched_folder(world, name=f"Banc bout en bout {uuid.uuid4().hex[:6]}")
    count = ctx.size(20, 300)
    sink = sink_start(ctx.stage)
    port = free_port()
    web = ctx.stage.start(f"web-e2e-{port}", ["web", "--host", "127.0.0.1", "--port", str(port), "--no-collectstatic"],
                          extra_env={"EMAIL_URL": f"smtp://127.0.0.1:{sink.port}"})
    [worker] = workers_start(ctx.stage, count=1, email_port=sink.port, concurrency=4)
    rates, floors, cpus = [], [], []
    try:
        wait_until(lambda: port_open(port) or web.check_alive(), timeout=BOOT_TIMEOUT, what="comptoir web")
        probe = probe_deposit(world, folder, tag=f"e2e-warm-{uuid.uuid4().hex[:4]}")
        sink.wait_for(probe, timeout=90, senders=[worker])
        idle_wait([worker.pid])
        for run_number in range(ctx.runs):
            rate, ids, cpu = _one_run(ctx, world=world, folder=folder, url=f"http://127.0.0.1:{port}",
                                      web_pids=[web.pid], sink=sink, worker=worker, count=count,
                                      tag=f"e{run_number}-{uuid.uuid4().hex[:4]}")
            rates.append(rate)
            cpus.append(cpu)
            floors.append(_floor(delivery_ids=ids, port=sink.port))
    finally:
        for proc in (worker, web, sink.proc):
            ctx.stage.stop(proc)
    value, floor = median(rates), median(floors)
    ratio = value / floor if floor else None
    cpu_note = ", ".join(f"{name} {median([c[name] for c in cpus]):.1f}"
                         for name in ("web", "worker", "sink", "clients"))
    return [Row(
        bench=NAME, label=f"{count} docs by {CLIENTS} API clients → last at the partner (serve's defaults)",
        value=value, unit="docs/s", floor=floor, ratio=ratio, target=f"≥ {TARGET_RATIO:.0%} of floor",
        ok=ratio >= TARGET_RATIO if ratio is not None else None, note=f"CPU ms/doc: {cpu_note}",
        extra={"runs": rates, "floor_runs": floors, "cpu_ms_per_doc": cpus},
    )]
