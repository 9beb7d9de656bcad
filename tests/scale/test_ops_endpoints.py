"""/healthz and /metrics: what a load balancer and a Prometheus server see, without logging in."""

import json
import logging
from datetime import timedelta

import pytest
from django.test import Client

from comptoir.core.logging import JsonFormatter
from tests.factories import deposit_pdf, folder_named
from tests.scale.rows import delivery_make, destination_for


@pytest.fixture
def anonymous():
    return Client()


def test_healthz_is_ok_without_login_and_probes_storage(db, anonymous):
    response = anonymous.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["storage"] == {"ok": True}
    assert body["checks"]["worker"]["lag_seconds"] == 0.0
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_fails_when_workers_lag(company, anonymous, settings):
    settings.COMPTOIR_HEALTH_MAX_LAG_SECONDS = 60
    destination = destination_for(company)
    ventes = folder_named(company, "Ventes")
    # Waiting for a future retry is not lag; a pending row for ten minutes is.
    delivery_make(deposit_pdf(ventes, name="a.pdf"), destination, status="retrying", age=timedelta(hours=1),
                  next_attempt_in=timedelta(minutes=5))
    assert anonymous.get("/healthz").status_code == 200
    delivery_make(deposit_pdf(ventes, name="b.pdf"), destination, status="pending", age=timedelta(minutes=10))
    response = anonymous.get("/healthz")
    assert response.status_code == 503
    worker = response.json()["checks"]["worker"]
    assert worker["ok"] is False
    assert 590 < worker["lag_seconds"] < 700


def test_healthz_reports_broken_storage(db, anonymous, settings, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the storage folder should be")
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": blocker}}}
    response = anonymous.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"]["ok"] is False
    assert response.json()["checks"]["database"]["ok"] is True


def _metrics(client, **headers) -> dict[str, float]:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for line in response.content.decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


def test_metrics_token_when_configured(db, anonymous, settings):
    settings.COMPTOIR_METRICS_TOKEN = "s3cret-metrics"
    assert anonymous.get("/metrics").status_code == 401
    assert anonymous.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    samples = _metrics(anonymous, HTTP_AUTHORIZATION="Bearer s3cret-metrics")
    assert samples["comptoir_delivery_oldest_pending_age_seconds"] == 0


def test_json_log_lines():
    record = logging.LogRecord("comptoir.delivery", logging.WARNING, __file__, 1, "envoi %s échoué", ("42",), None)
    line = JsonFormatter().format(record)
    assert json.loads(line) | {"ts": None} == {"ts": None, "level": "WARNING", "logger": "comptoir.delivery",
                                               "message": "envoi 42 échoué"}
