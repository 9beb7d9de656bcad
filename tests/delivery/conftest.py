"""Upflow installed, connected and switched on for `Ventes`, through the partners services."""

from datetime import timedelta

import pytest
from django.utils import timezone

from comptoir.delivery.services import delivery_attempt_run, delivery_claim_due
from comptoir.ged.models import Folder
from comptoir.partners.services import connection_set, folder_switch_set, installation_create

UPFLOW_ADDRESS = "factures-boulangerie@upflow.example"


def ventes(company) -> Folder:
    return Folder.objects.get(company=company, role="ventes", deleted_at__isnull=True)


@pytest.fixture
def upflow(firm, company, firm_admin):
    installation = installation_create(firm=firm, slug="upflow", actor=firm_admin)
    connection = connection_set(installation=installation, company=company,
                                destinations={"collection": UPFLOW_ADDRESS}, actor=firm_admin)
    folder_switch_set(folder=ventes(company), connection=connection, state="on", actor=firm_admin)
    return connection


def drain(*, worker_id: str = "test-worker", now=None, limit: int = 1000) -> int:
    """Send every delivery due at `now` (default: now), as a worker thread's sweep would. Returns how many."""
    done = 0
    while done < limit:
        claimed = delivery_claim_due(worker_id=worker_id, limit=1, now=now)
        if not claimed:
            return done
        for delivery in claimed:
            delivery_attempt_run(delivery=delivery, worker_id=worker_id)
            done += 1
    return done


def later(**delta) -> timezone.datetime:
    """A moment in the future: the retry policy's waits have passed."""
    return timezone.now() + timedelta(**delta)
