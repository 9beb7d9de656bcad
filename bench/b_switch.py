"""4. Switch cost vs tree size: toggle a switch on a tree's root, resolve the state of its deepest folder.

Trees are built in-process with bulk_create, setting `path` and `depth` ourselves: a spine down to
the wanted depth, the other folders hung under random folders above the last level.
"""

import random
import statistics
import time

from bench.context import Context
from bench.results import NotBuilt, Row
from bench.seed import optional, siren_next

NAME = "switch"
REPEATS = 15


def _tree_build(*, company, size: int, depth: int, seed: int):
    """A tree of `size` folders whose deepest folder is `depth` levels down. Returns (root, deepest)."""
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.db.models import Max

    from comptoir.ged.models import Folder

    rng = random.Random(seed)
    first = (Folder.objects.aggregate(top=Max("id"))["top"] or 0) + 1
    paths: list[str] = []
    depths: list[int] = []
    parents: list[int | None] = []
    for index in range(size):
        pk = first + index
        if index == 0:
            parent = None
        elif index < depth:
            parent = index - 1  # the spine
        else:
            while True:
                parent = rng.randrange(index)
                if depths[parent] < depth - 1:
                    break
        parents.append(parent)
        depths.append(0 if parent is None else depths[parent] + 1)
        paths.append(f"{paths[parent] if parent is not None else '/'}{pk}/")
    with transaction.atomic():
        Folder.objects.bulk_create([
            Folder(id=first + i, company=company, parent_id=None if parents[i] is None else first + parents[i],
                   name=f"dossier {i}", path=paths[i], depth=depths[i], position=i % 1000)
            for i in range(size)
        ], batch_size=2000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Folder]):
                cursor.execute(sql)
    return Folder.objects.get(pk=first), Folder.objects.get(pk=first + depth - 1)


def _measure(call) -> tuple[float, int]:
    """Median milliseconds over REPEATS calls, and the queries of one call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        call(0)
    times = []
    for index in range(1, REPEATS + 1):
        start = time.perf_counter()
        call(index)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), len(queries.captured_queries)


def run(ctx: Context) -> list[Row]:
    folder_switch_set = optional("comptoir.partners.services", "folder_switch_set")
    resolve = optional("comptoir.partners.selectors", "switch_states_for_folder")
    if folder_switch_set is None or resolve is None:
        raise NotBuilt("partners.services.folder_switch_set / partners.selectors.switch_states_for_folder")
    from comptoir.firms.services import company_create
    from comptoir.partners.catalogue.registry import app_get
    from comptoir.partners.models import Installation
    from comptoir.partners.services import connection_set, installation_create

    world = ctx.world()
    app = app_get("upflow")
    installation = (Installation.objects.filter(firm=world.firm, app_slug=app.slug, removed_at__isnull=True).first()
                    or installation_create(firm=world.firm, slug=app.slug, actor=world.admin))
    sizes = ctx.size((100, 400), (1_000, 10_000, 100_000))
    depths = (5, 30)
    figures: dict[tuple[str, int, int], tuple[float, int, list[float]]] = {}
    for depth in depths:
        for size in sizes:
            company = company_create(firm=world.firm, name=f"Arbre {size} x {depth}", siren=siren_next(),
                                     actor=world.admin)
            connection = connection_set(installation=installation, company=company,
                                        destinations={"collection": "factures@partenaire.example"}, actor=world.admin)
            built = time.perf_counter()
            root, deepest = _tree_build(company=company, size=size, depth=depth, seed=size + depth)
            built = time.perf_counter() - built
            runs_toggle, runs_resolve, q_toggle, q_resolve = [], [], 0, 0
            for _ in range(ctx.runs):
                toggle_ms, q_toggle = _measure(lambda i, root=root, connection=connection: folder_switch_set(
                    folder=root, connection=connection, state="on" if i % 2 == 0 else "off", actor=world.admin))
                # Leave the root on: the deepest folder then inherits from 29 (or 4) levels up.
                folder_switch_set(folder=root, connection=connection, state="on", actor=world.admin)
                resolve_ms, q_resolve = _measure(lambda i, deepest=deepest: resolve(folder=deepest))
                runs_toggle.append(toggle_ms)
                runs_resolve.append(resolve_ms)
            states = resolve(folder=deepest)
            if not any(getattr(s, "effective", False) for s in states):
                raise RuntimeError("the deepest folder does not inherit the root's switch")
            figures[("toggle", depth, size)] = (statistics.median(runs_toggle), q_toggle, runs_toggle)
            figures[("resolve", depth, size)] = (statistics.median(runs_resolve), q_resolve, runs_resolve)
            figures[("built", depth, size)] = (built, 0, [])
    rows = []
    for depth in depths:
        smallest, largest = figures[("toggle", depth, sizes[0])], figures[("toggle", depth, sizes[-1])]
        flat = (largest[1] == smallest[1]) and largest[0] <= 2 * smallest[0] + 0.5
        for what in ("toggle", "resolve"):
            for size in sizes:
                ms, queries, per_run = figures[(what, depth, size)]
                is_toggle = what == "toggle"
                rows.append(Row(
                    bench=NAME, label=f"{what}, {size:_} folders, depth {depth}".replace("_", " "), value=ms,
                    unit="ms", target="flat across sizes" if is_toggle else "", ok=flat if is_toggle else None,
                    note=f"{queries} queries" + (f"; tree built in {figures[('built', depth, size)][0]:.1f}s"
                                                 if is_toggle else ""),
                    extra={"runs": per_run, "queries": queries, "size": size, "depth": depth},
                ))
    return rows
