"""The benchmarks keep working: each runs on tiny inputs and reports numbers (never timed here)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import BENCHMARKS
from tests.sites import DATABASE

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.embedded_only  # the benchmarks' own PostgreSQL profile is run by hand (docs/benchmarks.md)
def test_every_benchmark_runs_on_tiny_inputs_and_reports_figures(tmp_path, migrated_template):
    out = tmp_path / "rows.json"
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "COMPTOIR_S3_BUCKET"}}
    env["COMPTOIR_BENCH_MIGRATED_DB"] = str(migrated_template / DATABASE)  # no migrate of its own
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--profile", "sqlite", "--json", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,  # eight benchmarks on shared cores
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rows = json.loads(out.read_text())

    assert {row["bench"] for row in rows} == set(BENCHMARKS), result.stdout
    for row in rows:
        built = not row["note"].startswith("n/a (not built yet")
        where = f"{row['bench']} {row['label']}: {row['note']}"
        assert not row["note"].startswith("error"), f"{where}\n{result.stderr[-3000:]}"
        if built:
            assert isinstance(row["value"], int | float), row
            assert row["value"] >= 0, row
    # The table is printed for people, with one line per row.
    assert result.stdout.count("| sqlite ") == len(rows)
