"""A 200 MB file goes up and comes back down through the real server with its memory staying flat."""

import hashlib
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.loopback import free_port
from tests.sites import embedded_env

pytestmark = pytest.mark.embedded_only  # the real server on local files; through S3: tests/scale/test_s3_storage.py

SIZE = 200 * 1024 * 1024
CHUNK = 1024 * 1024
MAX_GROWTH_KB = 100 * 1024
ROOT = Path(__file__).resolve().parents[2]

# The hashed static files `comptoir web --no-collectstatic` serves, then a firm: one Django start.
SETUP = """
from django.core.management import call_command
call_command("collectstatic", interactive=False, verbosity=0)
from comptoir.firms.services import firm_create
from comptoir.ged.models import Folder
from comptoir.ged.services import company_onboard
firm, admin = firm_create(name="Cabinet Gros", admin_email="gros@cabinet.fr", admin_password="Gros-Fichier-2025")
company = company_onboard(firm=firm, actor=admin, name="Entreprise Gros", siren="732829320")
print("FOLDER", Folder.objects.get(company=company, name="Achats").pk)
"""


def _chunk(index: int) -> bytes:
    # A PDF header so that the type sniffing accepts it; the rest varies so the hash means something.
    head = b"%PDF-1.4\n" if index == 0 else b""
    return (head + index.to_bytes(4, "big") * (CHUNK // 4))[:CHUNK]


def _status_kb(pid: int, key: str) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"^{key}:\s+(\d+) kB", text, re.MULTILINE).group(1))


def _wait_until(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def server(tmp_path, migrated_data_dir):
    env = embedded_env(migrated_data_dir, EMAIL_URL="smtp://127.0.0.1:9", TMPDIR=str(tmp_path))
    command = [sys.executable, "-m", "comptoir"]
    setup = subprocess.run([*command, "shell", "-c", SETUP], env=env, cwd=ROOT, check=True, timeout=300,
                           capture_output=True, text=True)
    folder_id = int(re.search(r"FOLDER (\d+)", setup.stdout).group(1))
    port = free_port()
    process = subprocess.Popen([*command, "web", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
                                "--threads", "2", "--no-collectstatic"], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"

    def answering():
        try:
            return httpx.get(f"{base}/comptes/connexion/", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        _wait_until(answering, timeout=60, what="the web server")
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        assert len(children) == 1, children
        yield base, folder_id, int(children[0])
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def _login(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=120)
    client.get("/comptes/connexion/")
    response = client.post("/comptes/connexion/", data={
        "username": "gros@cabinet.fr", "password": "Gros-Fichier-2025",
        "csrfmiddlewaretoken": client.cookies["csrftoken"]})
    assert response.status_code == 302, response.text[:500]
    return client


def _upload(client: httpx.Client, folder_id: int, chunks: int) -> dict:
    boundary = "comptoir-test-boundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"gros.pdf\"\r\n"
            "Content-Type: application/pdf\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def body():
        yield head
        for index in range(chunks):
            yield _chunk(index)
        yield tail

    response = client.post(
        f"/ged/dossier/{folder_id}/televerser/",
        content=body(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                 "Content-Length": str(len(head) + chunks * CHUNK + len(tail)),
                 "X-CSRFToken": client.cookies["csrftoken"], "Accept": "application/json"},
    )
    assert response.status_code == 201, response.text[:500]
    return response.json()


def _download_sha256(client: httpx.Client, document_id: int) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with client.stream("GET", f"/ged/document/{document_id}/telecharger/") as response:
        assert response.status_code == 200
        for data in response.iter_bytes(CHUNK):
            digest.update(data)
            size += len(data)
    return size, digest.hexdigest()


def test_a_200_mb_file_round_trips_with_flat_server_memory(server):
    base, folder_id, worker_pid = server
    client = _login(base)
    # Warm-up: every code path has run once, so what follows measures the big file only.
    small = _upload(client, folder_id, chunks=2)
    _download_sha256(client, small["id"])
    # The worker inherits its parent's high-water mark at fork: reset it to the current RSS
    # (Linux: "5" in clear_refs), so the peak read at the end belongs to this transfer.
    Path(f"/proc/{worker_pid}/clear_refs").write_text("5")
    baseline_kb = _status_kb(worker_pid, "VmRSS")
    assert _status_kb(worker_pid, "VmHWM") - baseline_kb < 4 * 1024, "the high-water mark was not reset"

    expected = hashlib.sha256()
    for index in range(SIZE // CHUNK):
        expected.update(_chunk(index))
    document = _upload(client, folder_id, chunks=SIZE // CHUNK)
    size, sha256 = _download_sha256(client, document["id"])

    assert (size, sha256) == (SIZE, expected.hexdigest())
    peak_kb = _status_kb(worker_pid, "VmHWM")
    assert peak_kb - baseline_kb < MAX_GROWTH_KB, f"server memory grew by {(peak_kb - baseline_kb) // 1024} MB"
