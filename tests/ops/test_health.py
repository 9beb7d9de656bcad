"""/healthz: anyone may call it, so its storage write is rate-limited; the operator's token gets a fresh
probe (issue 22, finding 10)."""

import pytest
from django.test import Client

from comptoir.ops import health

pytestmark = [pytest.mark.django_db, pytest.mark.embedded_only]


@pytest.fixture(autouse=True)
def _fresh_probe_memory():
    health._storage_probe_last.clear()
    yield
    health._storage_probe_last.clear()


def _stored_probes(location) -> int:
    return sum(1 for _ in (location / "healthz").iterdir()) if (location / "healthz").exists() else 0


@pytest.fixture
def writes(monkeypatch) -> list:
    """Each real storage probe, counted."""
    made, original = [], health._check_storage
    monkeypatch.setattr(health, "_check_storage", lambda: made.append(1) or original())
    return made


def test_anonymous_calls_probe_storage_once_per_window_and_the_token_probes_every_time(settings, tmp_path, writes):
    settings.COMPTOIR_HEALTH_STORAGE_SECONDS = 3600
    settings.COMPTOIR_METRICS_TOKEN = "jeton-de-supervision"
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path / "store"}}}
    anonymous = Client()
    for _ in range(5):
        response = anonymous.get("/healthz")
        assert response.status_code == 200 and response.json()["checks"]["storage"] == {"ok": True}
    assert len(writes) == 1, "five anonymous calls, one storage write"

    # The store breaks: the monitoring with the token sees it at once (anonymous calls within the
    # window repeat the last answer).
    (tmp_path / "store").rename(tmp_path / "moved")
    (tmp_path / "store").write_text("a file where the storage folder should be")
    deep = Client().get("/healthz", headers={"Authorization": "Bearer jeton-de-supervision"})
    assert deep.status_code == 503 and deep.json()["checks"]["storage"]["ok"] is False
    assert len(writes) == 2
    assert _stored_probes(tmp_path / "moved") == 0, "each probe object is deleted"


def test_a_zero_window_probes_on_every_call(settings, writes):
    settings.COMPTOIR_HEALTH_STORAGE_SECONDS = 0
    for _ in range(3):
        assert Client().get("/healthz").status_code == 200
    assert len(writes) == 3
