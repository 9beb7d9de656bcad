"""The restore drill of docs/deploy.md: dump, wipe, restore, and the pending deliveries resume."""

import pytest
from django.db import connection

from comptoir.delivery.worker import DeliveryWorker
from comptoir.partners.models import Delivery
from comptoir.partners.services import connection_set, folder_switch_set, installation_create
from tests.factories import deposit_pdf, folder_named
from tests.scale.pg import on_postgresql, pg_run, pg_tool

pytestmark = [
    pytest.mark.scale_only,
    pytest.mark.django_db(transaction=True),  # pg_dump runs in another session: rows must be committed
    pytest.mark.skipif(not on_postgresql(), reason="the drill runs on PostgreSQL (bin/test's scale pass)"),
]


def _worker_pass() -> None:
    worker = DeliveryWorker(concurrency=1)
    for _ in range(100):
        if not worker.step(worker_id="drill"):
            return


def test_dump_wipe_restore_and_pending_deliveries_resume(company, firm_admin, smtp_server, tmp_path):
    assert pg_tool("pg_dump") and pg_tool("pg_restore"), "PostgreSQL client tools not found"
    installation = installation_create(firm=company.firm, slug="upflow", actor=firm_admin)
    link = connection_set(installation=installation, company=company,
                          destinations={"collection": "factures@upflow.example"}, actor=firm_admin)
    ventes = folder_named(company, "Ventes")
    folder_switch_set(folder=ventes, connection=link, state="on", actor=firm_admin)
    for number in range(3):
        deposit_pdf(ventes, actor=firm_admin, name=f"facture-{number}.pdf")
    pending = sorted(Delivery.objects.filter(status="pending").values_list("pk", flat=True))
    assert len(pending) == 3

    dump = tmp_path / "comptoir.dump"
    database = connection.settings_dict["NAME"]
    pg_run("pg_dump", "--format=custom", "--no-owner", f"--file={dump}", database)

    with connection.cursor() as cursor:  # the disaster
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    with pytest.raises(Exception, match="does not exist"):
        Delivery.objects.count()
    connection.close()

    pg_run("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={database}", str(dump))

    assert sorted(Delivery.objects.filter(status="pending").values_list("pk", flat=True)) == pending
    _worker_pass()
    smtp_server.wait_for(3, timeout=30)
    assert sorted(int(m["X-Comptoir-Delivery-Id"]) for m in smtp_server.messages) == pending
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
