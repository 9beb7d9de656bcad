"""7. Phone capture: peak RSS over idle of the gunicorn worker combining 30 photos of 12 MP into one PDF.

A real `comptoir web`, a logged-in session, one multipart POST of the phone form ("Combiner les photos
en un seul PDF") streamed from files on disk. Peaks are VmHWM of the worker that served it, reset
just before the request (see b_memory). Target: within 100 MB of idle (issue #12).

Also measured: four 9000×9900 PNGs (109 KB each on the wire, 89 MP each once decoded), the review's
attack that took a worker to 1.5 GB, now refused before a pixel is decoded.
"""

import io
import re
import tempfile
from pathlib import Path

import httpx
from PIL import Image

from bench.b_memory import TARGET_MB, _Workers
from bench.context import Context
from bench.results import Row

NAME = "phone"
PASSWORD = "banc-d-essai-2026!"


def _photo(path: Path, size: tuple[int, int]) -> None:
    """A photo-like JPEG: gradients and grain, so it weighs what a phone's does (a few MB at 12 MP)."""
    width, height = size
    grain = Image.effect_noise((width // 4, height // 4), 40).resize(size)
    red = Image.linear_gradient("L").resize(size)
    green = grain
    blue = Image.linear_gradient("L").rotate(90).resize(size)
    Image.merge("RGB", (red, green, blue)).save(path, format="JPEG", quality=90)


def _attack_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (9000, 9900), 1).save(buffer, format="PNG")
    return buffer.getvalue()


def _session(base_url: str, email: str) -> httpx.Client:
    from django.urls import reverse

    client = httpx.Client(base_url=base_url, timeout=600, follow_redirects=False)
    login = reverse("accounts:login")
    page = client.get(login)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = client.post(login, data={"username": email, "password": PASSWORD, "csrfmiddlewaretoken": token},
                           headers={"Referer": str(client.base_url.join(login))})
    if response.status_code != 302:
        raise RuntimeError(f"login refused: {response.status_code}")
    return client


def _post(client: httpx.Client, folder_id: int, files: list[tuple[str, object, str]]) -> httpx.Response:
    url = f"/depots/dossiers/{folder_id}/ajouter/envoyer/"
    page = client.get(f"/depots/dossiers/{folder_id}/ajouter/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return client.post(url, data={"combine": "1", "name": "Banc téléphone", "csrfmiddlewaretoken": token},
                       files=[("files", item) for item in files],
                       headers={"Referer": str(client.base_url.join(url))})


def run(ctx: Context) -> list[Row]:
    world = ctx.world()
    count = ctx.size(3, 30)
    size = ctx.size((1200, 900), (4000, 3000))  # 12 MP
    proc, url = ctx.web()
    with tempfile.TemporaryDirectory() as tmp:
        photo = Path(tmp) / "photo.jpg"
        _photo(photo, size)
        weight = photo.stat().st_size
        client = _session(url, world.admin.email)
        # Warm-up: the same code path once in each worker (Pillow's plugins, the PDF writer).
        workers = _Workers(proc.pid)
        for _ in range(len(workers.pids) * 2):
            with photo.open("rb") as a, photo.open("rb") as b:
                _post(client, world.sales.pk, [("a.jpg", a, "image/jpeg"), ("b.jpg", b, "image/jpeg")])
        workers = _Workers(proc.pid)
        runs = []
        for _ in range(ctx.runs):
            workers.reset()
            streams = [photo.open("rb") for _ in range(count)]
            try:
                files = [(f"photo-{index:02d}.jpg", stream, "image/jpeg") for index, stream in enumerate(streams)]
                response = _post(client, world.sales.pk, files)
            finally:
                for stream in streams:
                    stream.close()
            if response.status_code != 201:
                raise RuntimeError(f"phone capture refused: {response.status_code} {response.text[:300]}")
            runs.append(workers.peak())
        workers.reset()
        attack = _attack_png()
        refused = _post(client, world.sales.pk, [(f"blanc-{index}.png", attack, "image/png") for index in range(4)])
        attack_peak = workers.peak()
    if refused.status_code != 413:
        raise RuntimeError(f"the 4 × 89 MP PNGs were not refused: {refused.status_code}")
    megapixels = size[0] * size[1] / 1e6
    return [
        _row(f"web, {count} photos of {megapixels:.0f} MP combined", runs,
             f"gunicorn worker; {count} × {weight / 1024**2:.1f} MB JPEG → one PDF"),
        _row("web, 4 PNGs of 89 MP (refused, 413)", [attack_peak], "refused before a pixel is decoded"),
    ]


def _row(label: str, runs: list[tuple[float, float]], note: str) -> Row:
    """(idle, peak) per run; the worst run is the figure (a memory target is a ceiling)."""
    idle, peak = max(runs, key=lambda run: run[1] - run[0])
    over = peak - idle
    return Row(bench=NAME, label=label, value=over, unit="MB over idle", target=f"≤ {TARGET_MB:.0f} MB",
               ok=over <= TARGET_MB, note=f"idle {idle:.0f} MB, peak {peak:.0f} MB; {note}",
               extra={"runs_mb": runs})
