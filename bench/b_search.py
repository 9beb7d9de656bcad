"""Search: p95 of a query over 1k, 10k and 100k documents, and how fast the index is written.

Documents are laid down with bulk_create (their bytes are not needed), and their index rows through
the GED's own `index_write`, with names, folder paths and a text layer of ~40 words drawn from a
French vocabulary. Queries are one or two word prefixes drawn from the same vocabulary, asked through
`document_search_for_user` as the firm admin (the selector a request calls: scope, rank, snippets).
The floor is the bare full-text match with LIMIT 20 on the same table: what the database does alone.
"""

import random
import time
import uuid

from bench.context import Context
from bench.results import Row, percentile

NAME = "search"
TARGET_MS = 100.0
WORDS = ("facture avoir relevé bancaire électricité loyer assurance contrat fournisseur client échéance "
         "règlement virement prélèvement acompte devis commande livraison transport carburant téléphone "
         "internet honoraires expertise comptable salaire cotisation urssaf impôt taxe foncière tva remboursement "
         "location matériel maintenance logiciel abonnement formation déplacement restaurant hôtel péage "
         "boulangerie pâtisserie farine levure beurre sucre emballage nettoyage sécurité alarme chauffage").split()


def _populate(*, company, folders, start: int, count: int, rng: random.Random, paths: dict) -> float:
    """Add `count` documents and their index rows; returns the seconds spent writing the index."""
    from django.db import transaction

    from comptoir.ged.models import Document
    from comptoir.ged.search.backends import IndexRow, index_write
    from comptoir.ged.search.text import search_text_normalize

    indexing = 0.0
    for offset in range(0, count, 2000):
        batch = []
        for index in range(start + offset, start + min(offset + 2000, count)):
            folder = folders[index % len(folders)]
            name = f"{rng.choice(WORDS)}-{rng.choice(WORDS)}-{index:06d}.pdf"
            batch.append(Document(company=company, folder=folder, name=name, original_filename=name,
                                  blob=f"bench/{uuid.uuid4().hex}", sha256="0" * 64, size=1000 + index,
                                  content_type="application/pdf", channel="web", lineage=uuid.uuid4()))
        with transaction.atomic():
            created = Document.objects.bulk_create(batch, batch_size=1000)
            rows = [IndexRow(document_id=d.pk, name=search_text_normalize(d.name),
                             path=search_text_normalize(paths[d.folder_id]),
                             body=search_text_normalize(" ".join(rng.choice(WORDS) for _ in range(40))))
                    for d in created]
            begun = time.perf_counter()
            index_write(rows)
            indexing += time.perf_counter() - begun
    return indexing


def _queries(rng: random.Random, count: int) -> list[str]:
    queries = []
    for index in range(count):
        words = [rng.choice(WORDS)[: rng.randint(3, 7)] for _ in range(1 + index % 2)]
        queries.append(" ".join(words))
    return queries


def _floor_ms(queries: list[str]) -> list[float]:
    from django.db import connection

    from comptoir.ged.search.backends import _match
    from comptoir.ged.search.text import search_terms

    times = []
    with connection.cursor() as cursor:
        for query in queries:
            source, condition, parameter = _match(search_terms(query))
            table = "ged_search s" if connection.vendor == "postgresql" else "ged_search"
            begun = time.perf_counter()
            cursor.execute(f"SELECT 1 FROM {table} WHERE {condition} LIMIT 20", [parameter])
            cursor.fetchall()
            times.append((time.perf_counter() - begun) * 1000)
    return times


def _backend_cpu_seconds() -> float | None:
    """CPU time used so far by this connection's PostgreSQL backend, when it runs on this machine."""
    import os

    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115, PTH123
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def run(ctx: Context) -> list[Row]:
    from comptoir.ged.models import Folder
    from comptoir.ged.search.selectors import document_search_for_user
    from comptoir.ged.selectors import folder_display_paths

    world = ctx.world()
    folders = list(Folder.objects.filter(company=world.company, deleted_at__isnull=True))
    paths = folder_display_paths(folders=folders)
    rng = random.Random(16)
    sizes = ctx.size((300,), (1_000, 10_000, 100_000))
    queries = _queries(rng, ctx.size(30, 200))
    rows, have, indexing_total = [], 0, 0.0
    for size in sizes:
        indexing_total += _populate(company=world.company, folders=folders, start=have, count=size - have, rng=rng,
                                    paths=paths)
        have = size
        document_search_for_user(user=world.admin, query=queries[0])  # warm the caches
        times, cpu, hits = [], [], 0
        backend_before = _backend_cpu_seconds()
        for query in queries:
            begun, begun_cpu = time.perf_counter(), time.process_time()
            hits += len(document_search_for_user(user=world.admin, query=query, limit=20))
            times.append((time.perf_counter() - begun) * 1000)
            cpu.append((time.process_time() - begun_cpu) * 1000)
        backend_after = _backend_cpu_seconds()
        floor = _floor_ms(queries)
        p95, floor_p95 = percentile(times, 95), percentile(floor, 95)
        rows.append(Row(bench=NAME, label=f"search p95, {size:_} documents".replace("_", " "), value=p95, unit="ms",
                        floor=floor_p95, ratio=p95 / floor_p95 if floor_p95 else None, target=f"≤ {TARGET_MS:.0f} ms",
                        ok=p95 <= TARGET_MS,
                        note=f"{len(queries)} queries, median {percentile(times, 50):.1f} ms, "
                             f"{hits / len(queries):.1f} hits each",
                        extra={"runs": times, "size": size}))
        # On a shared machine the wall time above is mostly waiting for a core; the CPU this process
        # spent (Django, and SQLite itself, which runs in-process) is what the query costs.
        rows.append(Row(bench=NAME, label=f"search p95 CPU time, {size:_} documents".replace("_", " "),
                        value=percentile(cpu, 95), unit="ms", target=f"≤ {TARGET_MS:.0f} ms",
                        ok=percentile(cpu, 95) <= TARGET_MS,
                        note="this process only" + (" (PostgreSQL's own CPU not counted)"
                                                    if ctx.profile == "postgres" else ""),
                        extra={"runs": cpu, "size": size}))
        if backend_before is not None and backend_after is not None:
            # /proc counts in clock ticks (10 ms): a mean over every query, not a percentile.
            backend_ms = (backend_after - backend_before) * 1000 / len(queries)
            mine = sum(cpu) / len(cpu)
            rows.append(Row(bench=NAME, label=f"search mean CPU time with PostgreSQL's, {size:_} documents"
                            .replace("_", " "), value=mine + backend_ms, unit="ms", target=f"≤ {TARGET_MS:.0f} ms",
                            ok=mine + backend_ms <= TARGET_MS,
                            note=f"this process {mine:.1f} ms + its PostgreSQL backend {backend_ms:.1f} ms",
                            extra={"size": size}))
    rate = have / indexing_total if indexing_total else None
    rows.append(Row(bench=NAME, label="index rows written per second", value=rate, unit="docs/s",
                    target="≥ deposit rate", note=f"{have:_} rows (name, path, 40-word text layer)".replace("_", " ")))
    return rows
