"""Upflow by API, through the real worker and the fake Upflow over HTTP on loopback."""

import logging
import threading
import time
from decimal import Decimal

import pytest

from comptoir.delivery.worker import DeliveryWorker
from comptoir.partners.fake_upflow.server import FakeUpflow
from comptoir.partners.models import Connection, Delivery, DeliveryStatus, Receivable
from comptoir.partners.receivables import receivables_sync
from comptoir.partners.services import connection_api_set, folder_switch_set, installation_create
from comptoir.partners.transports.api import RateLimit
from comptoir.partners.transports.upflow_api import UpflowApiTransport
from tests.delivery.conftest import ventes
from tests.delivery.test_workers import ROOT
from tests.invoices import corpus
from tests.invoices.conftest import deposit
from tests.loopback import free_port, wait_until
from tests.partners.conftest import UPFLOW_KEY as KEY
from tests.partners.conftest import UPFLOW_SECRET as SECRET

pytestmark = pytest.mark.django_db(transaction=True)  # worker threads read what the test commits


def invoice(company, **fields) -> corpus.Invoice:
    return corpus.Invoice(seller_siren=company.siren, seller_vat="", **fields)


def statuses() -> dict[str, int]:
    result: dict[str, int] = {}
    for status in Delivery.objects.values_list("status", flat=True):
        result[status] = result.get(status, 0) + 1
    return result


@pytest.fixture
def worker():
    started = []

    def start(concurrency: int = 1) -> DeliveryWorker:
        instance = DeliveryWorker(concurrency=concurrency, poll_interval=0.05)
        instance.start()
        started.append(instance)
        return instance

    yield start
    for instance in started:
        instance.stop()


def test_an_invoice_and_a_credit_note_are_pushed_with_their_data_and_the_payment_comes_back(
        fake, upflow_api, company, firm_admin, worker, api_as):
    sales = ventes(company)
    bill = deposit(sales, corpus.facturx_pdf(invoice(company, number="F-2027-001")), name="facture.pdf",
                   actor=firm_admin)
    credit = deposit(sales, corpus.facturx_pdf(invoice(company, number="AV-2027-001", type_code="381")),
                     name="avoir.pdf", actor=firm_admin)
    running = worker()
    wait_until(lambda: statuses() == {"sent": 2}, what="both pushed")
    # The worker syncs once at start, maybe late on a loaded machine: stopped here, the syncs below are the test's.
    running.stop()

    [customer] = fake.entities("customers")
    assert customer["externalId"] == f"siren-{corpus.BUYER_SIREN}" and customer["name"] == "Client Exemple SA"
    [pushed] = fake.entities("invoices")
    assert (pushed["customId"], pushed["grossAmount"], pushed["currency"]) == ("F-2027-001", "1200.00", "EUR")
    assert (pushed["issueDate"], pushed["dueDate"]) == ("2027-01-15", "2027-02-14")
    assert pushed["customer"] == {"externalId": customer["externalId"]}
    [credit_note] = fake.entities("credit_notes")
    assert credit_note["customId"] == "AV-2027-001"
    assert set(fake.state.pdfs) == {f"invoices/{pushed['id']}", f"credit_notes/{credit_note['id']}"}
    assert fake.state.pdfs[f"invoices/{pushed['id']}"].startswith(b"%PDF")
    assert len(fake.state.pdfs[f"invoices/{pushed['id']}"]) == bill.size
    assert len(fake.requests("POST", r"/pdf$")) == 2

    client = api_as(firm_admin)
    # Its start-up sync may have run after the push: start from unsynced.
    Receivable.objects.update(state="", synced_at=None)
    assert client.get(f"/documents/{bill.pk}").json()["receivable"] is None, "null until the first sync"
    receivables_sync()
    detail = client.get(f"/documents/{bill.pk}").json()
    assert detail["receivable"]["state"] == "open" and detail["receivable"]["amount_outstanding"] == "1200.00"

    fake.pay(pushed["id"])
    receivables_sync()
    receivable = client.get(f"/documents/{bill.pk}").json()["receivable"]
    assert (receivable["app"], receivable["state"], receivable["amount_outstanding"], receivable["currency"]) == (
        "upflow", "paid", "0.00", "EUR")
    assert receivable["synced_at"]
    assert client.get(f"/documents/{credit.pk}").json()["receivable"] is None, "a credit note has no payment state"


def test_503_twice_then_201_is_one_invoice_within_seconds(fake, upflow_api, company, firm_admin, worker):
    fake.fail(503, times=2, method="POST", path=r"^invoices$")
    started = time.monotonic()
    deposit(ventes(company), corpus.facturx_pdf(invoice(company, number="F-1")), actor=firm_admin)
    worker()
    wait_until(lambda: statuses() == {"sent": 1}, timeout=20, what="sent after two 503")
    assert time.monotonic() - started < 15
    assert len(fake.entities("invoices")) == 1
    assert [r[3] for r in fake.requests("POST", r"/invoices$")] == [503, 503, 201]
    assert Delivery.objects.get().attempts == 1, "retried inside the attempt"


def test_a_timeout_after_upflow_created_the_invoice_makes_no_second_invoice(fake, upflow_api, company, firm_admin,
                                                                             worker, monkeypatch):
    monkeypatch.setattr(UpflowApiTransport, "timeout_seconds", 1.0)
    fake.timeout_after_create("invoices", seconds=3.0)
    deposit(ventes(company), corpus.facturx_pdf(invoice(company, number="F-2")), actor=firm_admin)
    worker()
    wait_until(lambda: statuses() == {"sent": 1}, timeout=30, what="sent after the timeout")
    assert len(fake.entities("invoices")) == 1
    assert len(fake.requests("POST", r"/invoices$")) == 1, "looked up by external id, not created again"
    assert len(fake.state.pdfs) == 1


def test_a_400_fails_the_delivery_with_upflows_message(fake, upflow_api, company, firm_admin, worker):
    fake.fail(400, times=1, method="POST", path=r"^invoices$", message="customId already used by invoice inv_9")
    deposit(ventes(company), corpus.facturx_pdf(invoice(company, number="F-3")), actor=firm_admin)
    worker()
    wait_until(lambda: statuses() == {"failed": 1}, what="failed")
    delivery = Delivery.objects.get()
    assert "customId already used by invoice inv_9" in delivery.last_error and "400" in delivery.last_error
    assert len(fake.requests("POST", r"/invoices$")) == 1, "a 4xx is never retried"
    assert fake.entities("invoices") == []


def test_a_429_with_retry_after_is_waited_out_with_no_request_inside_the_window(fake, upflow_api, company,
                                                                                firm_admin, worker):
    fake.fail(429, times=1, method="POST", path=r"^invoices$", retry_after=2, message="Too many requests")
    deposit(ventes(company), corpus.facturx_pdf(invoice(company, number="F-4")), actor=firm_admin)
    worker()
    wait_until(lambda: statuses() == {"sent": 1}, what="sent after the 429")
    requests = fake.requests()
    throttled = next(i for i, r in enumerate(requests) if r[3] == 429)
    assert requests[throttled + 1][0] - requests[throttled][0] >= 1.95, "nothing sent inside Retry-After"
    assert len(fake.entities("invoices")) == 1


@pytest.mark.embedded_only  # worker processes on a file SQLite database (tests/delivery/test_workers.py)
@pytest.mark.django_db(transaction=False)
def test_documents_pushed_by_two_worker_processes_never_exceed_five_concurrent_requests(site_factory):
    """Two real `comptoir worker --concurrency 4` processes (eight senders) on a file database."""
    count = 120  # four requests each: 480, inside Upflow's 600 a minute, so the run stays short
    with FakeUpflow(accounts={KEY: SECRET}) as server:
        server.set_latency(0.02)
        site = site_factory(free_port())
        site.env["COMPTOIR_UPFLOW_API_URL"] = server.base_url
        site.migrate()
        site.run(str(ROOT / "tests" / "partners" / "seed_upflow_api.py"), str(count), KEY, SECRET)
        site.worker(4)
        site.worker(4)
        site.wait(lambda: site.statuses() == {"sent": count}, timeout=150, what="every invoice pushed")
        assert len(server.entities("invoices")) == count
        assert len(server.state.pdfs) == count
        assert 2 <= server.max_concurrent <= 5, server.max_concurrent
        assert not [r for r in server.requests() if r[3] == 429]
        assert site.stop() == [0, 0]


@pytest.mark.embedded_only
@pytest.mark.django_db(transaction=False)
def test_200_documents_pushed_by_four_worker_threads_never_exceed_five_concurrent_requests(site_factory):
    """One real `comptoir worker --concurrency 4` process pushes 200 Factur-X invoices to the fake, which
    counts the requests in flight. Four requests a document make about 800, more than Upflow's 600 a
    minute, so the limiter must also hold the rest back until the minute has passed (slow: over 60 s):
    the fake answers no 429, and every invoice is created once with its PDF. The status sync runs in the
    same worker meanwhile (every second). Four senders alone cannot exceed five requests at once; the case
    where the shared cap is what holds (eight senders in two processes) is the test above."""
    count = 200
    with FakeUpflow(accounts={KEY: SECRET}) as server:
        server.set_latency(0.02)
        site = site_factory(free_port())
        site.env["COMPTOIR_UPFLOW_API_URL"] = server.base_url
        site.env["COMPTOIR_UPFLOW_SYNC_SECONDS"] = "1"
        site.migrate()
        site.run(str(ROOT / "tests" / "partners" / "seed_upflow_api.py"), str(count), KEY, SECRET)
        assert site.statuses() == {"pending": count}
        site.worker(4)
        site.wait(lambda: site.statuses() == {"sent": count}, timeout=420, what="every invoice pushed")
        invoices = server.entities("invoices")
        assert len(invoices) == count
        assert len({i["externalId"] for i in invoices}) == len({i["customId"] for i in invoices}) == count
        assert sorted(i["customId"] for i in invoices) == [f"F-{n:04d}" for n in range(count)]
        assert len(server.state.pdfs) == count and len(server.entities("customers")) == 1
        requests = server.requests()
        assert len(requests) > 600, "past a minute's quota: the limiter had to wait"
        assert not [r for r in requests if r[3] == 429], "the client kept under 600 a minute"
        assert 3 <= server.max_concurrent <= 5, server.max_concurrent
        assert site.stop() == [0]


def test_the_rate_limit_holds_across_threads(tmp_path):
    limit = RateLimit("test", max_concurrent=3, per_minute=1000, directory=tmp_path)
    active, peak, lock = [0], [0], threading.Lock()

    def one():
        with limit.slot():
            with lock:
                active[0] += 1
                peak[0] = max(peak[0], active[0])
            time.sleep(0.02)
            with lock:
                active[0] -= 1

    threads = [threading.Thread(target=lambda: [one() for _ in range(5)]) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak[0] == 3


def test_a_requests_minute_runs_from_its_answer_not_its_start(tmp_path):
    """Upflow counts a request when it arrives, after it left: counted from its start, the next minute's
    first request could arrive inside the partner's minute (the 200-document run above met the 429)."""
    limit = RateLimit("test", max_concurrent=1, per_minute=1, directory=tmp_path)
    with limit.slot():
        time.sleep(0.5)
    answered = time.time()
    wait, _mark = limit._admit()
    assert wait > 60 - (time.time() - answered) - 0.05, wait


def test_a_wrong_secret_is_refused_with_upflows_message_and_the_secret_is_stored_encrypted(
        fake, firm, company, firm_admin, api_as, caplog):
    installation_create(firm=firm, slug="upflow", actor=firm_admin)
    client = api_as(firm_admin)
    caplog.set_level(logging.DEBUG)
    refused = client.client.put(f"/api/v1/apps/upflow/connections/{company.pk}",
                                data={"method": "api", "api_key": KEY, "api_secret": "wrong-secret-987654"},
                                content_type="application/json", headers=client.headers)
    assert refused.status_code == 400
    assert refused.json() == {"error": "invalid_credentials",
                              "detail": "HTTP 401 Invalid API credentials: check your API key and secret."}
    assert not Connection.objects.exists()

    accepted = client.client.put(f"/api/v1/apps/upflow/connections/{company.pk}",
                                 data={"method": "api", "api_key": KEY, "api_secret": SECRET},
                                 content_type="application/json", headers=client.headers)
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["method"] == "api" and SECRET not in accepted.content.decode()
    from django.db import connection as db

    with db.cursor() as cursor:
        cursor.execute("SELECT config FROM partners_connection")
        [(raw,)] = cursor.fetchall()
    assert SECRET not in raw and "api_secret_encrypted" in raw
    assert SECRET not in caplog.text and "wrong-secret-987654" not in caplog.text
    from comptoir.core.models import AuditEvent

    assert all(SECRET not in str(event.data) for event in AuditEvent.objects.all())


def test_method_api_for_an_app_without_an_api_client_is_a_400_and_email_keeps_working(fake, firm, company,
                                                                                       firm_admin, api_as):
    installation_create(firm=firm, slug="inqom", actor=firm_admin)
    installation_create(firm=firm, slug="upflow", actor=firm_admin)
    client = api_as(firm_admin)
    response = client.client.put(f"/api/v1/apps/inqom/connections/{company.pk}",
                                 data={"method": "api", "api_key": KEY, "api_secret": SECRET},
                                 content_type="application/json", headers=client.headers)
    assert response.status_code == 400 and "ne propose pas ce mode de connexion" in str(response.json()["detail"])
    email = client.client.put(f"/api/v1/apps/upflow/connections/{company.pk}",
                              data={"destinations": {"collection": "factures@upflow.example"}},
                              content_type="application/json", headers=client.headers)
    assert email.status_code == 200 and email.json()["method"] == "email"


def test_switching_to_the_api_keeps_pending_email_deliveries_email_and_never_pushes_what_was_emailed(
        fake, smtp_server, firm, company, firm_admin):
    from comptoir.partners.services import connection_set
    from tests.delivery.conftest import drain

    installation = installation_create(firm=firm, slug="upflow", actor=firm_admin)
    connection = connection_set(installation=installation, company=company,
                                destinations={"collection": "factures@upflow.example"}, actor=firm_admin)
    folder_switch_set(folder=ventes(company), connection=connection, state="on", actor=firm_admin)
    emailed = deposit(ventes(company), corpus.facturx_pdf(invoice(company, number="E-1")), actor=firm_admin)
    assert drain() == 1
    waiting = deposit(ventes(company), corpus.facturx_pdf(invoice(company, number="E-2")), name="b.pdf",
                      actor=firm_admin)
    connection_api_set(installation=installation, company=company, api_key=KEY, api_secret=SECRET, actor=firm_admin)
    pushed = deposit(ventes(company), corpus.facturx_pdf(invoice(company, number="A-1")), name="c.pdf",
                     actor=firm_admin)
    assert drain() == 2
    smtp_server.wait_for(2)
    by_doc = {d.document_id: d for d in Delivery.objects.select_related("destination")}
    assert by_doc[emailed.pk].destination.key == "collection"
    assert by_doc[waiting.pk].destination.key == "collection" and by_doc[waiting.pk].status == DeliveryStatus.SENT
    assert by_doc[pushed.pk].destination.key == "api" and by_doc[pushed.pk].status == DeliveryStatus.SENT
    assert [i["customId"] for i in fake.entities("invoices")] == ["A-1"]
    assert Receivable.objects.count() == 1 and Decimal("1200.00") == Receivable.objects.get().gross_amount
