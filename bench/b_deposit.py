"""1. Deposit throughput through the API, against the same bytes fsync'ed to disk by a plain loop."""

import os
import time
import uuid

from bench.context import Context, api_client, run_concurrently
from bench.harness import cpu_seconds, pdf_bytes, process_tree
from bench.results import Row, median

NAME = "deposit"
DOC_SIZE = 100 * 1024
TARGET = 100.0  # documents/s on SQLite


def _floor(payloads: list[bytes], directory) -> float:
    """Documents/s of writing each payload to its own file with fsync: what the disk allows."""
    directory.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for payload in payloads:
        fd = os.open(directory / uuid.uuid4().hex, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        try:
            os.write(fd, payload)
            os.fsync(fd)
        finally:
            os.close(fd)
    return len(payloads) / (time.perf_counter() - start)


def _deposit_rate(ctx: Context, *, url: str, folder_id: int, payloads: list[bytes],
                  clients: int) -> tuple[float, float, float]:
    """Documents/s, and CPU milliseconds per document spent by the web processes and by our clients."""
    errors: list[str] = []
    web = process_tree(ctx.web()[0].pid)

    def deposit(client, payload: bytes) -> None:
        response = client.post(f"/api/v1/folders/{folder_id}/documents",
                               files={"file": ("facture.pdf", payload, "application/pdf")})
        if response.status_code != 201:
            errors.append(f"{response.status_code} {response.text[:200]}")

    web_cpu, own_cpu, start = cpu_seconds(web), time.process_time(), time.perf_counter()
    run_concurrently(payloads, deposit, clients=clients, client_factory=lambda: api_client(url, ctx.world().token))
    elapsed = time.perf_counter() - start
    web_cpu, own_cpu = cpu_seconds(web) - web_cpu, time.process_time() - own_cpu
    if errors:
        raise RuntimeError(f"{len(errors)} deposits refused, first: {errors[0]}")
    return len(payloads) / elapsed, web_cpu * 1000 / len(payloads), own_cpu * 1000 / len(payloads)


def run(ctx: Context) -> list[Row]:
    from comptoir.ged.services import folder_create

    world = ctx.world()
    folder = folder_create(company=world.company, parent=None, name=f"Banc dépôt {uuid.uuid4().hex[:6]}",
                           actor=world.admin)
    _, url = ctx.web()
    count = ctx.size(6, 300)
    levels = (1, 4, 16)
    # Warm-up: the first requests of each gunicorn worker load code and open the database.
    _deposit_rate(ctx, url=url, folder_id=folder.pk, payloads=[pdf_bytes(DOC_SIZE, f"w{i}") for i in range(8)],
                  clients=4)
    rates: dict[int, list[float]] = {level: [] for level in levels}
    cpu: dict[int, list[tuple[float, float]]] = {level: [] for level in levels}
    floors: list[float] = []
    for run_number in range(ctx.runs):
        payloads = [pdf_bytes(DOC_SIZE, f"r{run_number}-{i}") for i in range(count)]
        floors.append(_floor(payloads, ctx.stage.tmp / "floor" / str(run_number)))
        for level in levels:
            rate, web_ms, client_ms = _deposit_rate(ctx, url=url, folder_id=folder.pk, payloads=payloads,
                                                    clients=level)
            rates[level].append(rate)
            cpu[level].append((web_ms, client_ms))
    floor = median(floors)
    rows = []
    for level in levels:
        value = median(rates[level])
        rows.append(Row(
            bench=NAME, label=f"{level} client{'s' if level > 1 else ''}, 100 KB PDF", value=value, unit="docs/s",
            floor=floor, ratio=value / floor if floor else None,
            target=f"≥ {TARGET:.0f} docs/s" if ctx.profile == "sqlite" else "",
            ok=(value >= TARGET) if ctx.profile == "sqlite" else None,
            note=f"CPU per doc: web {median([w for w, _ in cpu[level]]):.1f} ms, "
                 f"load generator {median([c for _, c in cpu[level]]):.1f} ms",
            extra={"runs": rates[level], "floor_runs": floors, "documents": count},
        ))
    return rows
