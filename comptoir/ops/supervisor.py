"""The supervisor of `comptoir serve`'s children, without Django: a fresh interpreter of a few MB.

`serve` prepares (migrations, static files, demo) with Django loaded, then replaces itself with this
module (`os.execv`, same process id), which starts the children and stops them all when one stops
or on Ctrl+C / SIGTERM. Standard library only: importing Django here would cost ~80 MB at rest.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request


def _answers(url: str) -> bool:
    """Whether the web server answers `url` at all (any HTTP status is an answer)."""
    try:
        with urllib.request.urlopen(url, timeout=0.4):  # noqa: S310 - our own loopback URL
            return True
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):
        return False


def supervise(children: list[tuple[str, list[str]]], *, ready: dict | None = None) -> int:
    """Run the children; with `ready` ({"url", "message"}), print the message once the URL answers."""
    command = [sys.executable, "-m", "comptoir"]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "comptoir.settings")}
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    running = {name: subprocess.Popen([*command, *argv], env=env) for name, argv in children}  # noqa: S603
    status = 0
    try:
        while not stopping:
            if ready and _answers(ready["url"]):
                sys.stdout.write(ready["message"] + "\n")
                sys.stdout.flush()
                ready = None
            for name, process in running.items():
                if process.poll() is not None:
                    sys.stderr.write(f"{name} s'est arrêté (code {process.returncode}) : arrêt de Comptoir.\n")
                    stopping, status = True, 1
            time.sleep(0.5)
    finally:
        for process in running.values():
            if process.poll() is None:
                process.terminate()
        for process in running.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    return status


if __name__ == "__main__":
    sys.exit(supervise([(name, argv) for name, argv in json.loads(sys.argv[1])],
                       ready=json.loads(sys.argv[2]) if len(sys.argv) > 2 else None))
