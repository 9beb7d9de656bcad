"""15. Upflow by API: Factur-X invoices pushed by one `comptoir worker --concurrency 4` to the fake Upflow
(`comptoir fake-upflow --latency 0.05`, its own process) over loopback, against a floor of raw httpx requests making
the same calls (customer lookup, invoice lookup, create, PDF upload) at the same limit of 5 at once.

The invoices are deposited through the deposit service (so their facts are read and their API
deliveries made as in production), held back, then made due in one statement once the worker is
idle: the clock runs from there to the last `sent_at`. Both phases use their own API key, so each
stays inside Upflow's 600 requests a minute (about 4 a document: the default size, 120, is ~480).
"""

import io
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx

from bench.b_delivery import idle_wait
from bench.context import Context
from bench.harness import cpu_seconds, free_port, port_open, process_tree, wait_until
from bench.results import NotBuilt, Row, median
from bench.seed import optional, world_create

NAME = "upflow"
SECRET = "bench-secret"
LIMIT = 5  # Upflow's recommended concurrency, the client's cap
# Each API request takes this long at the fake, as at a distant server: without it a request is a
# fraction of a millisecond on loopback, so requests never overlap and the limit is never approached.
LATENCY = 0.05
TARGET_RATIO = 0.5  # the worker does database work per document that the floor does not: half the floor


def _fake_start(ctx: Context, keys: list[str]):
    port = free_port()
    accounts = [arg for key in keys for arg in ("--account", f"{key}:{SECRET}")]
    argv = ["fake-upflow", "--port", str(port), "--latency", str(LATENCY), *accounts]
    proc = ctx.stage.start(f"fake-upflow-{port}", argv)
    wait_until(lambda: port_open(port) or proc.check_alive(), timeout=60, what="comptoir fake-upflow")
    return proc, f"http://127.0.0.1:{port}/v1/"


def _fake_state(base_url: str) -> dict:
    return httpx.get(base_url.replace("/v1/", "/_fake/state"), timeout=30).json()


def _invoices(count: int, tag: str, siren: str) -> list[bytes]:
    from tests.invoices import corpus  # the factur-x library embeds a CII XML checked against its XSD

    return [corpus.facturx_pdf(corpus.Invoice(number=f"{tag}-{i:04d}", seller_siren=siren, seller_vat=""))
            for i in range(count)]


def _worker_phase(ctx: Context, *, base_url: str, key: str, count: int, tag: str) -> tuple[dict, list[bytes]]:
    """Seconds from due to the last sent, requests made meanwhile, the worker's CPU seconds."""
    from django.conf import settings
    from django.core.files.base import ContentFile
    from django.db import transaction
    from django.utils import timezone

    from comptoir.ged.services import document_deposit
    from comptoir.partners.models import Delivery, DeliveryStatus
    from comptoir.partners.services import connection_api_set, folder_switch_set, installation_create

    settings.COMPTOIR_UPFLOW_API_URL = base_url  # the credentials check runs in this process
    world = world_create()
    installation = installation_create(firm=world.firm, slug="upflow", actor=world.admin)
    connection = connection_api_set(installation=installation, company=world.company, api_key=key,
                                    api_secret=SECRET, actor=world.admin)
    folder_switch_set(folder=world.sales, connection=connection, state="on", actor=world.admin)
    files = _invoices(count, tag, siren=world.company.siren)
    for i, content in enumerate(files):
        document_deposit(folder=world.sales, file=ContentFile(content, name=f"f{i}.pdf"), channel="api",
                         actor=world.admin, filename=f"facture-{i:04d}.pdf")
    rows = Delivery.objects.filter(company=world.company, app_slug="upflow")
    if rows.filter(status=DeliveryStatus.PENDING).count() != len(files):
        raise RuntimeError(f"expected {len(files)} pending API deliveries, got {list(rows.values_list('status'))}")
    rows.update(next_attempt_at=timezone.now() + timedelta(days=1))  # held until the worker is idle

    worker = ctx.stage.start(f"worker-upflow-{uuid.uuid4().hex[:6]}", ["worker", "--concurrency", "4"],
                             extra_env={"COMPTOIR_UPFLOW_API_URL": base_url, "COMPTOIR_UPFLOW_SYNC_SECONDS": "86400"})
    try:
        time.sleep(1.0)
        idle_wait([worker.pid])
        tree = process_tree(worker.pid)
        cpu_before, requests_before = cpu_seconds(tree), _fake_state(base_url)["requests"]
        with transaction.atomic():
            rows.update(next_attempt_at=None)
        due_at = time.time()
        wait_until(lambda: rows.filter(status=DeliveryStatus.SENT).count() == len(files) or worker.check_alive(),
                   timeout=120 + 2 * len(files), what="every invoice pushed", interval=0.05)
        last = max(rows.values_list("sent_at", flat=True)).timestamp()
        cpu = cpu_seconds(tree) - cpu_before
        state = _fake_state(base_url)
    finally:
        ctx.stage.stop(worker)
    return {"seconds": last - due_at, "requests": state["requests"] - requests_before, "cpu": cpu,
            "max_concurrent": state["max_concurrent"], "invoices": len(state["entities"]["invoices"])}, files


def _floor_phase(*, base_url: str, key: str, files: list[bytes]) -> dict:
    """The same four calls per invoice with httpx, five at once (one keep-alive connection per thread)."""
    headers = {"X-Api-Key": key, "X-Api-Secret": SECRET, "Accept": "application/json"}
    local = threading.local()
    made: list[httpx.Client] = []

    def client() -> httpx.Client:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=base_url, headers=headers, timeout=60)
            made.append(local.client)
        return local.client

    def push(item: tuple[int, bytes]) -> None:
        index, content = item
        http = client()
        http.get("customers/external:floor-customer").raise_for_status()
        assert http.get(f"invoices/external:floor-{index}").status_code == 404
        created = http.post("invoices", json={"externalId": f"floor-{index}", "customId": f"FLOOR-{index:04d}",
                                              "customer": {"externalId": "floor-customer"}, "currency": "EUR",
                                              "grossAmount": "1200.00", "issueDate": "2026-12-01",
                                              "dueDate": "2026-12-31"})
        created.raise_for_status()
        upload = http.post(f"invoices/{created.json()['id']}/pdf",
                           files={"file": (f"facture-{index}.pdf", io.BytesIO(content), "application/pdf")})
        upload.raise_for_status()

    # The one customer exists before the clock, as it does after the worker's first push.
    httpx.post(base_url + "customers", headers=headers, json={"externalId": "floor-customer", "name": "Client Banc"},
               timeout=60).raise_for_status()
    before = _fake_state(base_url)["requests"]
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=LIMIT) as pool:
        list(pool.map(push, enumerate(files)))
    seconds = time.perf_counter() - start
    for made_client in made:
        made_client.close()
    return {"seconds": seconds, "requests": _fake_state(base_url)["requests"] - before}


def run(ctx: Context) -> list[Row]:
    if optional("comptoir.partners.services", "connection_api_set") is None:
        raise NotBuilt("comptoir.partners.services.connection_api_set")
    count = ctx.size(8, 120)
    worker_rates, worker_request_rates, floor_rates, floor_request_rates, cpus, peaks = [], [], [], [], [], []
    for run_number in range(ctx.runs):
        tag = f"U{run_number}{uuid.uuid4().hex[:4]}"
        keys = [f"bench-worker-{tag}", f"bench-floor-{tag}"]
        fake, base_url = _fake_start(ctx, keys)
        try:
            pushed, files = _worker_phase(ctx, base_url=base_url, key=keys[0], count=count, tag=tag)
            if pushed["invoices"] < count:
                raise RuntimeError(f"the fake holds {pushed['invoices']} invoices, expected {count}")
            floor = _floor_phase(base_url=base_url, key=keys[1], files=files)
        finally:
            ctx.stage.stop(fake)
        worker_rates.append(count / pushed["seconds"])
        worker_request_rates.append(pushed["requests"] / pushed["seconds"])
        floor_rates.append(count / floor["seconds"])
        floor_request_rates.append(floor["requests"] / floor["seconds"])
        cpus.append(pushed["cpu"] / count * 1000)
        peaks.append(pushed["max_concurrent"])
    docs, floor_docs = median(worker_rates), median(floor_rates)
    reqs, floor_reqs = median(worker_request_rates), median(floor_request_rates)
    ratio = docs / floor_docs if floor_docs else None
    peak = max(peaks)
    return [
        Row(bench=NAME, label=f"{count} invoices, 1 worker × 4 threads", value=docs, unit="documents/s",
            floor=floor_docs, ratio=ratio, target=f"≥ {TARGET_RATIO:.0%} of floor",
            ok=ratio >= TARGET_RATIO if ratio is not None else None,
            note=f"worker CPU {median(cpus):.0f} ms/document",
            extra={"runs": worker_rates, "floor_runs": floor_rates, "cpu_ms_per_document": cpus}),
        Row(bench=NAME, label="requests to the fake", value=reqs, unit="requests/s", floor=floor_reqs,
            ratio=reqs / floor_reqs if floor_reqs else None, target="—",
            extra={"runs": worker_request_rates, "floor_runs": floor_request_rates}),
        Row(bench=NAME, label="most requests at once at the fake", value=peak, unit="requests", floor=None,
            target=f"≤ {LIMIT}", ok=peak <= LIMIT, extra={"runs": peaks}),
    ]
