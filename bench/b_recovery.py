"""7. Kill -9 recovery: two `comptoir worker` processes drain a backlog; one is SIGKILLed mid-batch.

Measured: the time from the kill to the arrival, at the partner's SMTP server, of the last delivery
the killed worker held (status `sending` under its claim at the kill), and the duplicates (messages
received twice: accepted by the server but not recorded before the kill). Target: ≤ 15 s.
"""

import os
import signal
import socket
import time
import uuid

from bench.b_delivery import _backlog_create, idle_wait
from bench.context import Context
from bench.results import Row, median
from bench.seed import probe_deposit, switched_folder
from bench.servers import sink_start, workers_start

NAME = "recovery"
TARGET_SECONDS = 15.0
THREADS = 4  # `comptoir serve`'s worker


def _held_by(pid: int) -> set[int]:
    from comptoir.partners.models import Delivery

    prefix = f"{socket.gethostname()}:{pid}:"
    return set(Delivery.objects.filter(status="sending", leased_by__startswith=prefix).values_list("pk", flat=True))


def _one_run(ctx: Context, *, world, folder, count: int, tag: str) -> tuple[float, int, int]:
    sink = sink_start(ctx.stage)
    workers = workers_start(ctx.stage, count=2, email_port=sink.port, concurrency=THREADS)
    victim, survivor = workers
    try:
        probes = [pk for i in range(2) for pk in probe_deposit(world, folder, tag=f"{tag}-probe{i}")]
        sink.wait_for(probes, timeout=90, senders=workers)
        idle_wait([w.pid for w in workers])
        ids, _ = _backlog_create(folder=folder, world=world, count=count, tag=tag)
        deadline = time.monotonic() + 120
        while True:
            held = _held_by(victim.pid)
            if held and len(sink.by_delivery()) >= len(probes) + count // 4:
                break
            if time.monotonic() > deadline:
                raise TimeoutError("the victim never held rows mid-run")
            time.sleep(0.02)
        os.killpg(victim.pid, signal.SIGKILL)
        killed_at = time.time()
        victim.popen.wait(timeout=10)
        stranded = _held_by(victim.pid) or held
        sink.wait_for(ids, timeout=120 + count, senders=[survivor])
        arrivals: dict[str, float] = {}
        received: dict[str, int] = {}
        for stamp, delivery_id, _size in sink.arrivals():
            arrivals[delivery_id] = max(stamp, arrivals.get(delivery_id, 0.0))
            received[delivery_id] = received.get(delivery_id, 0) + 1
        recovered = max(arrivals[str(pk)] for pk in stranded) - killed_at
        duplicates = sum(n - 1 for pk, n in received.items() if pk in {str(i) for i in ids})
        return recovered, len(stranded), duplicates
    finally:
        for worker in workers:
            ctx.stage.stop(worker)
        ctx.stage.stop(sink.proc)


def run(ctx: Context) -> list[Row]:
    world = ctx.world()
    folder = switched_folder(world, name=f"Banc reprise {uuid.uuid4().hex[:6]}")
    count = ctx.size(60, 600)
    runs = [_one_run(ctx, world=world, folder=folder, count=count, tag=f"r{n}-{uuid.uuid4().hex[:4]}")
            for n in range(ctx.runs)]
    value = median([seconds for seconds, _, _ in runs])
    return [Row(
        bench=NAME, label=f"kill -9 → last stranded delivery arrives (2 workers × {THREADS} threads)",
        value=value, unit="s", target=f"≤ {TARGET_SECONDS:.0f} s", ok=value <= TARGET_SECONDS,
        note=f"stranded {[n for _, n, _ in runs]}, duplicates {[d for _, _, d in runs]}, backlog {count}",
        extra={"runs": [seconds for seconds, _, _ in runs]},
    )]
