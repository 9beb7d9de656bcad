"""`python -m bench`: every benchmark on SQLite (and on PostgreSQL when DATABASE_URL points at one).

Each database profile runs in its own child process (Django is set up once per process, against
that profile's throw-away database); the parent gathers the rows, prints the table and draws the chart.
"""

import argparse
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from bench.harness import ROOT
from bench.results import NotBuilt, Row, failed, not_built

BENCHMARKS = ("deposit", "latency", "delivery", "switch", "memory", "mailin", "recovery", "endtoend", "invoice",
              "phone", "search", "ged", "upflow", "sequential", "pa", "page")
DEFAULT_CHART = ROOT / "docs" / "bench" / "benchmarks.png"


def _module(name: str):
    import importlib

    return importlib.import_module(f"bench.b_{name}")


def profile_run(*, profile: str, names: list[str], quick: bool, runs: int, keep: bool) -> list[Row]:
    """Run the chosen benchmarks against one database profile, in this process."""
    from bench.context import Context
    from bench.harness import Stage

    stage = Stage(profile=profile, keep=keep)
    rows: list[Row] = []
    try:
        stage.django_setup()
        ctx = Context(stage=stage, quick=quick, runs=runs)
        for name in names:
            started = time.monotonic()
            print(f"[{profile}] {name}…", file=sys.stderr, flush=True)
            try:
                rows += _module(name).run(ctx)
            except NotBuilt as exc:
                rows.append(not_built(name, str(exc)))
            except Exception as exc:  # one broken benchmark must not hide the others
                traceback.print_exc(file=sys.stderr)
                rows.append(failed(name, "-", exc))
            print(f"[{profile}] {name} done in {time.monotonic() - started:.1f}s", file=sys.stderr, flush=True)
    finally:
        stage.close()
        if keep:
            print(f"[{profile}] logs and data kept in {stage.tmp}", file=sys.stderr)
    for row in rows:
        row.extra["profile"] = profile
    return rows


def profiles_wanted(choice: str) -> list[str]:
    url = os.environ.get("DATABASE_URL", "")
    postgres = url.startswith(("postgres://", "postgresql://", "pgsql://"))
    if choice == "all":
        return ["sqlite", "postgres"] if postgres else ["sqlite"]
    if choice == "postgres" and not postgres:
        raise SystemExit("--profile postgres needs DATABASE_URL pointing at a PostgreSQL server")
    return [choice]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny inputs, one run (the smoke test's mode)")
    parser.add_argument("--only", action="append", choices=BENCHMARKS, metavar="NAME",
                        help=f"run only this benchmark (repeatable): {', '.join(BENCHMARKS)}")
    parser.add_argument("--runs", type=int, default=None, help="runs per figure, the median is shown (default 3)")
    parser.add_argument("--profile", choices=["all", "sqlite", "postgres"], default="all")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    parser.add_argument("--chart", type=Path, help=f"chart path (default {DEFAULT_CHART.relative_to(ROOT)}; "
                        "--quick draws none unless asked)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir and process logs")
    parser.add_argument("--replot", type=Path, nargs="+", metavar="JSON",
                        help="no run: print the table and draw the chart from rows saved with --json")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    names = [name for name in BENCHMARKS if not args.only or name in args.only]
    runs = args.runs or (1 if args.quick else 3)
    logging.basicConfig(level=logging.WARNING)

    if args.child:
        # Stopped from outside: unwind, so that every process this run started is stopped too.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        rows = profile_run(profile=args.profile, names=names, quick=args.quick, runs=runs, keep=args.keep)
        args.json.write_text(json.dumps([row.as_dict() for row in rows]))
        return 0

    from bench.report import chart_draw, machine_describe, table_format

    rows: list[Row] = []
    if args.replot:
        rows = [Row(**data) for path in args.replot for data in json.loads(path.read_text())]
        print(table_format(rows))
        chart_draw(rows, args.chart or DEFAULT_CHART)
        print(f"\nchart: {args.chart or DEFAULT_CHART}")
        return 0
    for profile in profiles_wanted(args.profile):
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
            out = Path(handle.name)
        command = [sys.executable, "-m", "bench", "--child", "--profile", profile, "--json", str(out),
                   "--runs", str(runs), *(["--quick"] if args.quick else []), *(["--keep"] if args.keep else []),
                   *[f"--only={name}" for name in names]]
        code = subprocess.call(command, cwd=ROOT)  # noqa: S603
        try:
            rows += [Row(**data) for data in json.loads(out.read_text() or "[]")]
        except (OSError, json.JSONDecodeError):
            rows += [failed(name, "-", f"the {profile} run crashed (exit {code})") for name in names]
        finally:
            out.unlink(missing_ok=True)
    print()
    print(machine_describe())
    print(f"command: python -m bench {' '.join(argv if argv is not None else sys.argv[1:])}".rstrip()
          + f"   (median of {runs} run{'s' if runs > 1 else ''})")
    print()
    print(table_format(rows))
    if args.json:
        args.json.write_text(json.dumps([row.as_dict() for row in rows], indent=1))
    chart = args.chart or (None if args.quick else DEFAULT_CHART)
    if chart is not None:
        chart_draw(rows, chart)
        print(f"\nchart: {chart}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
