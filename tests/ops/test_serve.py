"""`comptoir serve`: the whole embedded set from one command, light at rest, stopped as one."""

import os
import signal
import smtplib
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.loopback import free_port
from tests.sites import embedded_env

ROOT = Path(__file__).resolve().parents[2]


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                todo += [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                pass
    return found


def _cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@pytest.fixture
def serve(tmp_path):
    port, sink_port, mailin_port, upflow_port = free_port(), free_port(), free_port(), free_port()
    # A data dir from nothing: `serve` migrates it itself (the browser tests' start from a migrated copy).
    env = embedded_env(tmp_path / "data", EMAIL_URL=f"smtp://127.0.0.1:{sink_port}", COMPTOIR_SMTP_SINK="true",
                       COMPTOIR_MAILIN_PORT=str(mailin_port), COMPTOIR_FAKE_UPFLOW_PORT=str(upflow_port),
                       LOG_LEVEL="WARNING")
    process = subprocess.Popen([sys.executable, "-m", "comptoir", "serve", "--no-demo", "--port", str(port)],
                               env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.monotonic() + 180
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert process.poll() is None, "serve stopped"
        assert time.monotonic() < deadline, "serve did not answer"
        time.sleep(0.5)
    try:
        yield process, port, sink_port, mailin_port, upflow_port
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.mark.embedded_only  # `serve` is the embedded profile's one command
def test_serve_runs_listeners_in_one_process_under_a_light_supervisor_and_stops_as_one(serve):
    process, port, sink_port, mailin_port, upflow_port = serve
    # The supervisor is the same pid, exec'd into a Django-free interpreter.
    assert "comptoir.ops.supervisor" in _cmdline(process.pid)
    assert _rss_mb(process.pid) < 30
    commands = [_cmdline(pid) for pid in _tree(process.pid)[1:]]
    assert sum("comptoir listeners" in command for command in commands) == 1
    assert not any("comptoir mail-in" in command or "comptoir smtpsink" in command
                   or "comptoir fake-upflow" in command for command in commands)
    assert sum("--preload" in command for command in commands) == 3, "gunicorn master and its two workers"
    for listener_port in (sink_port, mailin_port):
        # The listeners' process sets Django up on its own: it may answer a little after the web.
        deadline = time.monotonic() + 60
        while True:
            try:
                with smtplib.SMTP("127.0.0.1", listener_port, timeout=10) as client:
                    assert client.noop()[0] == 250
                break
            except ConnectionRefusedError:
                assert time.monotonic() < deadline, f"nothing listens on {listener_port}"
                time.sleep(0.5)
    # The demo's fake Upflow is a thread of the listeners' process: it asks for the demo's credentials.
    upflow = f"http://127.0.0.1:{upflow_port}/v1/customers"
    deadline = time.monotonic() + 60
    while True:
        try:
            assert httpx.get(upflow, timeout=10).status_code == 401
            break
        except httpx.ConnectError:
            assert time.monotonic() < deadline, f"nothing listens on {upflow_port}"
            time.sleep(0.5)
    demo = {"X-Api-Key": "demo", "X-Api-Secret": "demo-secret"}
    assert httpx.get(upflow, headers=demo, timeout=10).status_code == 200
    pids = _tree(process.pid)

    process.send_signal(signal.SIGTERM)

    assert process.wait(timeout=60) == 0
    time.sleep(0.5)
    assert not [pid for pid in pids if Path(f"/proc/{pid}").exists()
                and "zombie" not in Path(f"/proc/{pid}/status").read_text()], "children left running"


def test_serve_migrates_only_a_database_that_lacks_a_migration(db):
    """`serve` skips `migrate` (seconds of checks and signals) on a migrated database, like the copies
    of the tests' template, and runs it when one migration is missing."""
    from django.db.migrations.recorder import MigrationRecorder

    from comptoir.ops.management.commands.serve import migrations_pending

    assert not migrations_pending()
    MigrationRecorder.Migration.objects.filter(app="ged").order_by("-id").first().delete()
    assert migrations_pending()
