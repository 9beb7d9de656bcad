"""Sends never wait behind background work: the worker's send threads run no queued task, and a
task starts only between sends (issue #28)."""

import threading
import time

import pytest
from django.tasks import task
from django_tasks_db.models import DBTaskResult

from comptoir.delivery.worker import DeliveryWorker
from comptoir.partners.models import Delivery, DeliveryStatus
from tests.delivery.conftest import ventes
from tests.factories import deposit_pdf

pytestmark = pytest.mark.django_db(transaction=True)  # worker threads read what the test commits

RELEASE = threading.Event()


@task()
def long_background_job() -> str:
    """Stands for an OCR of many pages: holds its thread until the test lets it go."""
    RELEASE.wait(timeout=60)
    return "done"


def _wait(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} after {timeout} s")
        time.sleep(0.02)
    return result


@pytest.mark.embedded_only
def test_a_delivery_is_sent_while_a_long_background_job_holds_its_thread(upflow, company, firm_admin,
                                                                         smtp_server, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    RELEASE.clear()
    job = long_background_job.enqueue()
    worker = DeliveryWorker(concurrency=1, poll_interval=0.05)  # one send thread, and the background lane
    worker.start()
    try:
        _wait(lambda: DBTaskResult.objects.filter(pk=job.id, status="RUNNING").exists(), timeout=20,
              what="the background job did not start")
        document = deposit_pdf(ventes(company), actor=firm_admin)
        smtp_server.wait_for(1, timeout=20)
        assert DBTaskResult.objects.get(pk=job.id).status == "RUNNING"  # the send did not wait for it
        _wait(lambda: Delivery.objects.filter(document=document, status=DeliveryStatus.SENT).exists(), timeout=10,
              what="the delivery was not recorded sent")
    finally:
        RELEASE.set()
        worker.stop()
    assert DBTaskResult.objects.get(pk=job.id).status == "SUCCESSFUL"
