"""The first e-invoice after a start, with the CPU saturated, is read (once marked unreadable for good).

`serve` is started, then busy processes take every core, then the official EN 16931 negative invoice
is the first file deposited, through the API. The reading budget counts the reading thread's CPU
time, and the library's first import is outside it: a busy machine slows the reading, it does not
fail it.
"""

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from tests.invoices.corpus_expected import CORPUS
from tests.loopback import free_port
from tests.ops.test_serve import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.embedded_only]


def _env(tmp_path) -> dict:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("COMPTOIR_", "DATABASE_URL", "EMAIL_", "SECRET_KEY", "PROMETHEUS_"))}
    env.update(COMPTOIR_DATA_DIR=str(tmp_path / "data"), DJANGO_SETTINGS_MODULE="comptoir.settings",
               EMAIL_URL=f"smtp://127.0.0.1:{free_port()}", COMPTOIR_SMTP_SINK="true",
               COMPTOIR_MAILIN_PORT=str(free_port()), COMPTOIR_FAKE_UPFLOW_PORT=str(free_port()),
               LOG_LEVEL="WARNING")
    return env


def _wait_healthy(process: subprocess.Popen, base: str) -> None:
    deadline = time.monotonic() + 180
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert process.poll() is None, "serve stopped"
        assert time.monotonic() < deadline, "serve did not answer"
        time.sleep(0.5)


def test_the_official_negative_invoice_is_read_as_the_first_deposit_with_the_cpu_saturated(tmp_path):
    env, port = _env(tmp_path), free_port()
    base = f"http://127.0.0.1:{port}"
    serve = subprocess.Popen([sys.executable, "-m", "comptoir", "serve", "--port", str(port)], env=env, cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    busy: list[subprocess.Popen] = []
    try:
        _wait_healthy(serve, base)
        from comptoir.web.demo import DEMO_CLIENT_EMAIL

        made = subprocess.run([sys.executable, "-m", "comptoir", "createtoken", "--email", DEMO_CLIENT_EMAIL],
                              env=env, cwd=ROOT, capture_output=True, text=True, check=True, timeout=120)
        headers = {"Authorization": f"Bearer {made.stdout.strip().splitlines()[-1]}"}
        client = httpx.Client(base_url=f"{base}/api/v1", headers=headers, timeout=120)
        company = client.get("/companies").json()[0]
        folders = client.get(f"/companies/{company['id']}/folders").json()
        ventes = next(folder for folder in folders if folder["name"] == "Ventes")
        busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True)
                for _ in range(2 * (os.cpu_count() or 1))]
        path = CORPUS / "en16931" / "ubl_BIS3_Invoice_negativ.XML"
        response = client.post(f"/folders/{ventes['id']}/documents", files={"file": (path.name, path.read_bytes())})
        assert response.status_code == 201, response.text
        detail = client.get(f"/documents/{response.json()['id']}").json()
        assert detail["invoice_status"] == "read", detail["invoice_unreadable_reason"]
        assert detail["invoice"]["number"] == "12345" and detail["invoice"]["total_incl_tax"] == "-782179.43"
        assert "Montant négatif : s'agit-il d'un avoir ?" in detail["invoice"]["warnings"]
    finally:
        for process in busy:
            process.kill()
            process.wait(timeout=10)
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait(timeout=10)
