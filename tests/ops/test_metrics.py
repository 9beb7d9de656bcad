"""/metrics: counters kept where things happen, summed across processes, read without counting tables."""

import os
import smtplib
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.test import Client

from tests.delivery.conftest import drain, upflow, ventes  # noqa: F401 (upflow: a fixture)
from tests.factories import deposit_pdf, folder_named
from tests.intake.conftest import dns_zone, mail_in  # noqa: F401 (fixtures)
from tests.scale.rows import delivery_make, destination_for

ROOT = Path(__file__).resolve().parents[2]
LATENCY = "comptoir_delivery_send_latency_seconds"


@pytest.fixture(autouse=True)
def _metrics_open(settings):
    settings.COMPTOIR_METRICS_PUBLIC = True  # /metrics needs its token otherwise (tested in tests/accounts)


def scrape() -> dict[str, float]:
    response = Client().get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for line in response.content.decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


def grown(before: dict, after: dict, name: str) -> float:
    return after.get(name, 0) - before.get(name, 0)


def test_deposits_outcomes_and_latency_are_counted_on_commit(smtp_server, upflow, company, firm_admin,  # noqa: F811
                                                             django_capture_on_commit_callbacks):
    before = scrape()
    with django_capture_on_commit_callbacks(execute=True):
        for name, channel in (("1.pdf", "web"), ("2.pdf", "web"), ("3.pdf", "email"), ("4.pdf", "api")):
            deposit_pdf(ventes(company), actor=firm_admin, name=name, channel=channel)
        smtp_server.reply_with("550 5.1.1 mailbox unavailable", times=1)
        assert drain() == 4
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            deposit_pdf(ventes(company), actor=firm_admin, name="annulé.pdf", channel="web")
            raise RuntimeError("rolled back")
    after = scrape()

    assert grown(before, after, 'comptoir_deposits_total{channel="web"}') == 2
    assert grown(before, after, 'comptoir_deposits_total{channel="email"}') == 1
    assert grown(before, after, 'comptoir_deposits_total{channel="api"}') == 1
    assert grown(before, after, 'comptoir_delivery_outcomes_total{app="upflow",outcome="sent"}') == 3
    assert grown(before, after, 'comptoir_delivery_outcomes_total{app="upflow",outcome="failed"}') == 1
    assert grown(before, after, f'{LATENCY}_count{{app="upflow"}}') == 3
    assert grown(before, after, f'{LATENCY}_bucket{{app="upflow",le="60.0"}}') == 3
    assert grown(before, after, 'comptoir_delivery_attempt_duration_seconds_count{app="upflow"}') == 4
    assert after['comptoir_delivery_queue{status="pending"}'] == 0


def test_queue_and_oldest_due_come_from_the_live_rows(company):
    destination = destination_for(company)
    ventes_folder = folder_named(company, "Ventes")
    delivery_make(deposit_pdf(ventes_folder, name="a.pdf"), destination, status="pending", age=timedelta(seconds=120))
    delivery_make(deposit_pdf(ventes_folder, name="b.pdf"), destination, status="retrying",
                  next_attempt_in=timedelta(minutes=5))
    delivery_make(deposit_pdf(ventes_folder, name="c.pdf"), destination, status="sent")

    samples = scrape()

    assert samples['comptoir_delivery_queue{status="pending"}'] == 1
    assert samples['comptoir_delivery_queue{status="retrying"}'] == 1
    assert samples['comptoir_delivery_queue{status="sending"}'] == 0
    assert 115 < samples["comptoir_delivery_oldest_pending_age_seconds"] < 200
    assert not any(name.startswith("comptoir_deliveries{") for name in samples), "no per-scrape table count"


@pytest.mark.django_db(transaction=True)
def test_mail_in_replies_are_counted_by_code(mail_in):  # noqa: F811
    before = scrape()
    with smtplib.SMTP(mail_in.hostname, mail_in.port, timeout=30) as client:
        client.ehlo("mta.example.com")
        client.mail("fournisseur@example.com")
        code, _ = client.rcpt("inconnu@depot.test")
    assert code == 550
    after = scrape()
    assert grown(before, after, 'comptoir_mailin_replies_total{code="550",stage="rcpt"}') == 1


def test_samples_of_other_processes_are_summed(db):
    """What gunicorn's workers, the delivery workers and mail-in count, any web process serves."""
    before = scrape()
    env = {**os.environ, "COMPTOIR_METRICS_DIR": str(django_settings.METRICS_DIR),
           "DJANGO_SETTINGS_MODULE": "comptoir.settings"}
    code = ("import django; django.setup(); from comptoir.core.metrics import DEPOSITS; "
            "DEPOSITS.labels(channel='watch').inc(5)")
    for _ in range(2):  # two processes, come and gone
        subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True, timeout=120)
    assert grown(before, scrape(), 'comptoir_deposits_total{channel="watch"}') == 10


def test_grafana_dashboard_queries_only_metrics_that_exist(db):
    import json
    import re

    from prometheus_client import Counter, Histogram

    from comptoir.core import metrics

    exposed = {"comptoir_delivery_queue", "comptoir_delivery_oldest_pending_age_seconds"}
    for value in vars(metrics).values():
        if isinstance(value, Counter):
            exposed.add(f"{value._name}_total")
        elif isinstance(value, Histogram):
            exposed |= {f"{value._name}_{suffix}" for suffix in ("bucket", "count", "sum")}
    dashboard = json.loads((ROOT / "docs" / "grafana-dashboard.json").read_text())
    queried = {name for panel in dashboard["panels"] for target in panel["targets"]
               for name in re.findall(r"comptoir_[a-z_]+", target["expr"])}
    assert queried and queried <= exposed, queried - exposed
    assert {"comptoir_delivery_queue", "comptoir_delivery_oldest_pending_age_seconds"} <= {
        name.split("{")[0] for name in scrape()}
