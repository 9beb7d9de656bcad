"""A killed worker on PostgreSQL: two `comptoir worker` processes, one SIGKILLed mid-batch.

The killed worker's rows are sent again by the other within seconds (its heartbeat stopped, so its
leases are ended by the survivor), every delivery arrives, and duplicates stay within what was in
flight. The same test on SQLite is `tests/delivery/test_workers.py`.
"""

import os
import socket
import time
from collections import Counter

import pytest
from django.conf import settings

from comptoir.partners.models import Delivery
from comptoir.partners.services import connection_set, folder_switch_set, installation_create
from tests.factories import PDF_BYTES, deposit_pdf, folder_named
from tests.scale.pg import on_postgresql
from tests.scale.processes import Processes, deployment_env, wait_until

DOCUMENTS = 300

pytestmark = [
    pytest.mark.scale_only,
    pytest.mark.django_db(transaction=True),  # the processes read what the test commits
    pytest.mark.skipif(not (on_postgresql() and settings.S3_BUCKET),
                       reason="runs on PostgreSQL and S3 (bin/test's scale pass)"),
]


def _held_by(pid: int) -> set[int]:
    prefix = f"{socket.gethostname()}:{pid}:"
    return set(Delivery.objects.filter(status="sending", leased_by__startswith=prefix).values_list("pk", flat=True))


def test_a_worker_killed_on_postgresql_has_its_sends_taken_back_within_seconds(firm, firm_admin, company,
                                                                                 smtp_server, tmp_path, capsys,
                                                                                 settings):
    # Deposited here, sent by the worker processes: the blobs go where they look (the bucket's root,
    # not the per-test prefix tests/conftest.py gives in-process storage).
    default = {**settings.STORAGES["default"]}
    default["OPTIONS"] = {**default["OPTIONS"], "location": ""}
    settings.STORAGES = {**settings.STORAGES, "default": default}
    installation = installation_create(firm=firm, slug="upflow", actor=firm_admin)
    link = connection_set(installation=installation, company=company,
                          destinations={"collection": "factures@upflow.example"}, actor=firm_admin)
    ventes = folder_named(company, "Ventes")
    folder_switch_set(folder=ventes, connection=link, state="on", actor=firm_admin)
    for number in range(DOCUMENTS):
        deposit_pdf(ventes, actor=firm_admin, name=f"f{number}.pdf", content=PDF_BYTES + f"% {number}\n".encode())
    processes = Processes(env=deployment_env(data_dir=tmp_path / "data", smtp_port=smtp_server.port),
                          log_dir=tmp_path)
    try:
        victim = processes.start("victim", "worker", "--concurrency", "4")
        processes.start("survivor", "worker", "--concurrency", "2")
        wait_until(lambda: len(smtp_server.messages) >= 60 and _held_by(victim.pid), timeout=180,
                   what="the victim sending", interval=0.02)
        processes.kill("victim")
        killed_at = time.monotonic()
        stranded = _held_by(victim.pid)
        assert stranded
        wait_until(lambda: Delivery.objects.filter(pk__in=stranded, status="sent").count() == len(stranded),
                   timeout=60, what="the stranded rows sent again", interval=0.05)
        recovered_in = time.monotonic() - killed_at
        wait_until(lambda: not Delivery.objects.exclude(status="sent").exists(), timeout=300,
                   what="every delivery sent")
    finally:
        processes.stop_all()
    received = Counter(int(message["X-Comptoir-Delivery-Id"]) for message in smtp_server.messages)
    duplicates = sum(n - 1 for n in received.values())
    with capsys.disabled():
        print(f"\nPostgreSQL SIGKILL: {len(stranded)} stranded row(s) sent again {recovered_in:.1f} s after the "
              f"kill; {duplicates} duplicate(s); pid {os.getpid()}")
    assert set(received) == set(Delivery.objects.values_list("pk", flat=True))
    assert recovered_in < 60  # generous on a shared machine; the lease used to be 300 s
    assert max(received.values()) <= 2, "at most one repeat per message in flight"
    assert {pk for pk, n in received.items() if n > 1} <= stranded
