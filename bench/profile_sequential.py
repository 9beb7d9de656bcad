"""Where the time of issue #28's latency case goes: `python -m bench.profile_sequential [--ocr] [--uploads N]`.

Starts what `bench sequential` starts (`comptoir web`, `comptoir worker --concurrency 4`, the SMTP
sink), samples the web and the worker with py-spy while N sequential uploads run, then prints:

- per delivery, the wait from the deposit's commit to the claim, the send, and the arrival;
- what the worker's threads were running (queued django.tasks, by task, with their durations);
- py-spy's busiest functions of each process (own time and total, collapsed stacks kept in the
  stage's temporary folder).
"""

import argparse
import collections
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path


def _spy(pid: int, out: Path) -> subprocess.Popen:
    py_spy = Path(sys.executable).with_name("py-spy")
    return subprocess.Popen([str(py_spy), "record", "--pid", str(pid), "--subprocesses", "--format", "raw",  # noqa: S603
                             "--rate", "250", "--output", str(out), "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _top(path: Path, count: int = 15) -> list[str]:
    own, total, samples = collections.Counter(), collections.Counter(), 0
    if not path.exists():
        return [f"(no samples in {path})"]
    for line in path.read_text().splitlines():
        stack, _, weight = line.rpartition(" ")
        frames = [frame.split(" (")[0] for frame in stack.split(";")]
        weight = int(weight)
        samples += weight
        own[frames[-1]] += weight
        for frame in set(frames):
            total[frame] += weight
    lines = [f"{samples} samples at 250 Hz ({samples / 250:.2f} s of busy threads)"]
    lines += [f"  own {own[name] / samples:6.1%}  total {total[name] / samples:6.1%}  {name}"
              for name, _ in own.most_common(count)]
    interesting = [name for name, _ in total.most_common(60) if not name.startswith(("<module>", "run", "_bootstrap"))]
    lines += ["  by total:"] + [f"    {total[name] / samples:6.1%}  {name}" for name in interesting[:20]]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--ocr", type=int, default=0, help="deposit a scanned PDF of this many pages first")
    args = parser.parse_args()

    from bench.harness import Stage, pdf_scanned, pdf_text_page

    stage = Stage(profile="sqlite", keep=True)
    stage.django_setup()
    from bench.b_delivery import idle_wait
    from bench.b_sequential import _deliveries, _deposit
    from bench.context import Context, api_client
    from bench.seed import probe_deposit, switched_folder
    from bench.servers import sink_start, workers_start

    ctx = Context(stage=stage, quick=False, runs=1)
    world = ctx.world()
    folder = switched_folder(world, name=f"Profil {uuid.uuid4().hex[:6]}")
    web, url = ctx.web()
    sink = sink_start(stage)
    [worker] = workers_start(stage, count=1, email_port=sink.port, concurrency=4)
    try:
        sink.wait_for(probe_deposit(world, folder, tag="profile-warm"), timeout=90, senders=[worker])
        idle_wait([worker.pid])
        spies = {name: (_spy(proc.pid, stage.tmp / f"spy-{name}.txt"), stage.tmp / f"spy-{name}.txt")
                 for name, proc in (("web", web), ("worker", worker))}
        time.sleep(1.0)  # py-spy attached
        began = time.time()
        deposited = {}
        with api_client(url, world.token) as client:
            if args.ocr:
                _deposit(client, folder.pk, pdf_scanned(args.ocr, "profile"), name="scan.pdf")
            for index in range(args.uploads):
                document_id, at = _deposit(client, folder.pk, pdf_text_page(f"profile-{index}"))
                deposited[document_id] = at
        ids = _deliveries(deposited)
        arrived = sink.wait_for(ids, timeout=120, senders=[worker])
        for spy, _ in spies.values():
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=30)
        _report(ids=ids, deposited=deposited, arrived=arrived, began=began)
        for name, (_, path) in spies.items():
            print(f"\n== py-spy, {name} ==")
            print("\n".join(_top(path)))
        print(f"\nraw stacks and logs: {stage.tmp}")
    finally:
        for proc in (worker, sink.proc):
            stage.stop(proc)
        stage.close()
    return 0


def _report(*, ids, deposited, arrived, began) -> None:
    from django_tasks_db.models import DBTaskResult

    from comptoir.core.models import AuditEvent
    from comptoir.partners.models import Delivery

    print("delivery  deposit→arrival   (deposit at +s)")
    for pk, document_id in sorted(ids.items()):
        at = deposited[document_id]
        print(f"  {pk:6d}  {arrived[str(pk)] - at:7.3f} s  (+{at - began:6.2f})")
    sent = {d.pk: d.sent_at.timestamp() for d in Delivery.objects.filter(pk__in=ids)}
    lag = sorted(arrived[str(pk)] - sent[pk] for pk in ids)
    print(f"sent_at → arrival: median {lag[len(lag) // 2]:.3f} s")
    print("\nqueued tasks run in the window (worker thread: start +s, duration):")
    tasks = DBTaskResult.objects.filter(started_at__isnull=False).order_by("started_at")
    for task in tasks:
        start = task.started_at.timestamp()
        if start < began - 1:
            continue
        end = task.finished_at.timestamp() if task.finished_at else float("nan")
        print(f"  {task.task_path.rsplit('.', 1)[-1]:32s} {task.worker_ids[-1] if task.worker_ids else '?':>28s}"
              f"  +{start - began:6.2f}  {end - start:6.3f} s")
    del AuditEvent  # (kept importable for ad-hoc digging)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comptoir.settings")
    sys.exit(main())
