"""25. Plateforme agréée: a backlog of incoming flows drained by the PA sync, from the fake PA over loopback,
against raw httpx making the same requests (one token, one search per 100 flows, one download per flow).

The flows are the official example invoice (XP Z12-012 Annexe B, UC1) with varied numbers, injected
into the fake PA (in this process, on a thread) before the clock starts. The sync deposits each one
through the deposit service (facts read, folder chosen, `Flow` row written): the ratio says what that
costs over the bare HTTP. The fake runs in this process, so the CPU figure includes its share (the
same in both phases); wall time is what the target is about: 1,000 flows in under a minute.
"""

import time
from pathlib import Path

import httpx

from bench.context import Context
from bench.results import Row, median
from bench.seed import world_create

NAME = "pa"
EXAMPLE = Path(__file__).resolve().parents[1] / "comptoir" / "einvoicing" / "fake_pa" / "examples" / \
    "UC1_F202500003_00-INV_20250701_CII.xml"
TARGET_SECONDS = 60.0


def _inject(fake, client_id: str, count: int, tag: str) -> None:
    content = EXAMPLE.read_bytes()
    for i in range(count):
        number = f"{tag}{i:06d}"[:10]
        fake.inject(client_id, flow_type="SupplierInvoice", content=content.replace(b"F202500003", number.encode()),
                    name=f"{number}.xml")


def _floor(fake, client_id: str, secret: str) -> tuple[float, int]:
    """The same requests the sync makes, with httpx: token, search pages, one Original per flow."""
    requests_before = len(fake.requests())
    start = time.perf_counter()
    with httpx.Client(timeout=60) as http:
        token = http.post(fake.token_url, data={"grant_type": "client_credentials"},
                          auth=(client_id, secret)).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        after = None
        while True:
            where = {"flowDirection": ["In", "Out"], **({"updatedAfter": after} if after else {})}
            page = http.post(f"{fake.api_url}/v1/flows/search", json={"where": where, "limit": 100}).json()["results"]
            for flow in page:
                http.get(f"{fake.api_url}/v1/flows/{flow['flowId']}", params={"docType": "Original"}).raise_for_status()
            if len(page) < 100:
                break
            after = page[-1]["updatedAt"]
    return time.perf_counter() - start, len(fake.requests()) - requests_before


def run(ctx: Context) -> list[Row]:
    from django.conf import settings

    from comptoir.einvoicing.connections import pa_connection_set
    from comptoir.einvoicing.fake_pa.server import FakePa
    from comptoir.einvoicing.models import Flow
    from comptoir.einvoicing.sync import connection_sync
    from comptoir.partners.services import installation_create

    settings.COMPTOIR_WEBHOOK_ALLOW_PRIVATE = True  # the fake listens on loopback
    settings.COMPTOIR_INVOICE_READ_SECONDS = 30.0
    count = ctx.size(50, 1000)
    rates, floors, walls, cpus, searches, downloads = [], [], [], [], [], []
    for run_number in range(ctx.runs):
        with FakePa() as fake:
            fake.account_add("bench-sync", "bench-secret")
            fake.account_add("bench-floor", "bench-secret")
            world = world_create()
            installation = installation_create(firm=world.firm, slug="pa", actor=world.admin)
            connection = pa_connection_set(installation=installation, company=world.company, api_url=fake.api_url,
                                           token_url=fake.token_url, client_id="bench-sync",
                                           client_secret="bench-secret", actor=world.admin)
            _inject(fake, "bench-sync", count, f"B{run_number}")
            _inject(fake, "bench-floor", count, f"C{run_number}")
            before = len(fake.requests())
            cpu, start = time.process_time(), time.perf_counter()
            result = connection_sync(connection=connection)
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu
            made = fake.requests()[before:]
            if Flow.objects.filter(connection=connection).count() != count or result.invoices != count:
                raise RuntimeError(f"{result.invoices} documents for {count} flows ({result.errors[:3]})")
            floor_seconds, _floor_requests = _floor(fake, "bench-floor", "bench-secret")
        rates.append(count / wall)
        floors.append(count / floor_seconds)
        walls.append(wall)
        cpus.append(cpu / count * 1000)
        searches.append(sum(1 for method, path, _s in made if path.endswith("/flows/search")))
        downloads.append(sum(1 for method, path, _s in made if "/flows/flow-" in path))
    docs, floor_docs = median(rates), median(floors)
    ratio = docs / floor_docs if floor_docs else None
    wall = median(walls)
    return [
        Row(bench=NAME, label=f"{count} incoming flows drained by the sync", value=docs, unit="documents/s",
            floor=floor_docs, ratio=ratio, target=f"{count} in < {TARGET_SECONDS:.0f} s",
            ok=wall < TARGET_SECONDS * count / 1000,
            note=f"{wall:.1f} s; CPU {median(cpus):.1f} ms/flow (fake included)",
            extra={"runs": rates, "floor_runs": floors, "seconds": walls}),
        Row(bench=NAME, label="requests: searches / downloads", value=median(searches), unit="searches",
            floor=None, target=f"{(count + 99) // 100} searches, {count} downloads",
            ok=median(searches) <= (count + 99) // 100 + 1 and median(downloads) == count,
            note=f"{median(downloads):.0f} downloads", extra={"searches": searches, "downloads": downloads}),
    ]
