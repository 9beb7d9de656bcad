"""Comptoir's own process types started as real subprocesses against the test database and bucket."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import httpx
from django.conf import settings
from django.db import connection


def deployment_env(*, data_dir: Path, smtp_port: int, **extra: str) -> dict[str, str]:
    """The environment of a scale deployment, pointed at the test database (not the developer's)."""
    params = connection.settings_dict
    url = (f"postgres://{quote(params['USER'], safe='')}:{quote(params['PASSWORD'] or '', safe='')}"
           f"@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{params['NAME']}")
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "comptoir.settings",
        "DATABASE_URL": url,
        "SECRET_KEY": settings.SECRET_KEY,
        "COMPTOIR_DATA_DIR": str(data_dir),
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "COMPTOIR_SMTP_SINK": "false",
        "COMPTOIR_METRICS_PUBLIC": "1",  # the test reads /metrics like a monitor on a private network
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


class Processes:
    """Started children, their logs in files (never pipes that could fill up), all stopped at the end."""

    def __init__(self, *, env: dict[str, str], log_dir: Path):
        self.env = env
        self.log_dir = log_dir
        self.children: dict[str, subprocess.Popen] = {}

    def run(self, *argv: str, timeout: float = 300) -> None:
        subprocess.run([sys.executable, "-m", "comptoir", *argv], env=self.env, check=True, timeout=timeout,
                       capture_output=True)

    def start(self, name: str, *argv: str) -> subprocess.Popen:
        log = (self.log_dir / f"{name}.log").open("wb")
        child = subprocess.Popen([sys.executable, "-m", "comptoir", *argv], env=self.env, stdout=log,
                                 stderr=subprocess.STDOUT, start_new_session=True)
        self.children[name] = child
        return child

    def kill(self, name: str) -> None:
        """A crash, not a shutdown: SIGKILL, nothing gets to finish."""
        child = self.children[name]
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=30)

    def log(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text(errors="replace")[-3000:]

    def stop_all(self) -> None:
        for child in self.children.values():
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        for child in self.children.values():
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait(timeout=30)


def wait_until(predicate, *, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def http_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
