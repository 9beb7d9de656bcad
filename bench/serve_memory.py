"""`comptoir serve` at rest: every process of the set, its RSS and PSS from /proc/<pid>/smaps_rollup.

    .venv/bin/python -m bench.serve_memory [--settle 20]

Starts `comptoir serve --no-demo` on free ports in a temporary data dir (SQLite, local files, the
local SMTP sink, mail-in and the demo's fake Upflow on loopback), waits until the web server answers
and --settle seconds more, then reads each process of the tree. PSS shares each page among the processes mapping it, so
the PSS sum is what the whole set costs the machine (the issue's target: ≤ 250 MiB).
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.harness import Proc, free_port, process_tree, wait_until


def _rollup_kb(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value)
    return fields


def _label(pid: int) -> str:
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    words = [word.decode() for word in argv if word]
    if "-m" in words:
        words = words[words.index("-m") + 1:]
    return " ".join(words)[:60]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.serve_memory", description=__doc__)
    parser.add_argument("--settle", type=float, default=20.0)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="comptoir-bench-serve-"))
    port, sink_port, mailin_port, upflow_port = free_port(), free_port(), free_port(), free_port()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("COMPTOIR_", "DATABASE_URL", "EMAIL_", "SECRET_KEY"))}
    env.update(COMPTOIR_DATA_DIR=str(tmp / "data"), DJANGO_SETTINGS_MODULE="comptoir.settings", LOG_LEVEL="WARNING",
               EMAIL_URL=f"smtp://127.0.0.1:{sink_port}", COMPTOIR_SMTP_SINK="true",
               COMPTOIR_MAILIN_PORT=str(mailin_port), COMPTOIR_FAKE_UPFLOW_PORT=str(upflow_port))
    (tmp / "logs").mkdir()
    proc = Proc("serve", [sys.executable, "-m", "comptoir", "serve", "--no-demo", "--port", str(port)], env=env,
                log_dir=tmp / "logs")
    try:
        def answering():
            proc.check_alive()
            try:
                return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(answering, timeout=180, what="comptoir serve", interval=0.5)
        time.sleep(args.settle)
        rows = [(pid, _label(pid), _rollup_kb(pid)) for pid in process_tree(proc.pid)]
        print(f"`comptoir serve` at rest ({args.settle:.0f}s after the web answered); shared machine")
        print(f"{'pid':>7}  {'process':<60} {'RSS MiB':>8} {'PSS MiB':>8}")
        for pid, label, fields in rows:
            print(f"{pid:>7}  {label:<60} {fields['Rss'] / 1024:>8.1f} {fields['Pss'] / 1024:>8.1f}")
        rss = sum(fields["Rss"] for _, _, fields in rows) / 1024
        pss = sum(fields["Pss"] for _, _, fields in rows) / 1024
        print(f"{'':>7}  {f'total, {len(rows)} processes':<60} {rss:>8.1f} {pss:>8.1f}")
    finally:
        proc.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
