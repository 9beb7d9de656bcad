"""Promise 2: toggling writes one row whatever the subtree; resolving costs O(depth) in a bounded number
of queries (the ancestors come from the materialised path)."""

from django.db import connection as db_connection
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.test.utils import CaptureQueriesContext

from comptoir.ged.models import Folder
from comptoir.ged.services import folder_create
from comptoir.partners.models import Delivery, FolderSwitch
from comptoir.partners.selectors import switch_states_for_folder
from tests.factories import deposit_pdf, folder_named
from tests.partners.conftest import switch


def _bulk_children(parent: Folder, count: int, prefix: str) -> None:
    Folder.objects.bulk_create(
        [Folder(company_id=parent.company_id, parent=parent, name=f"{prefix}{i}", depth=parent.depth + 1, path="")
         for i in range(count)], batch_size=2000)
    Folder.objects.filter(parent=parent, path="").update(
        path=Concat(Value(parent.path), Cast("id", output_field=CharField()), Value("/")))


def test_toggling_a_folder_with_ten_thousand_descendants_costs_what_a_leaf_costs(company, upflow, firm_admin):
    big = folder_create(company=company, parent=None, name="Archives", actor=firm_admin)
    _bulk_children(big, 10, "lot-")
    for lot in Folder.objects.filter(parent=big):
        _bulk_children(lot, 999, f"{lot.name}-")
    assert Folder.objects.filter(path__startswith=big.path).exclude(pk=big.pk).count() == 10_000
    leaf = folder_named(company, "Banque")

    def toggle(folder, state):
        before = FolderSwitch.objects.count()
        with CaptureQueriesContext(db_connection) as queries:
            switch(folder, upflow, state, actor=firm_admin)
        return len(queries), FolderSwitch.objects.count() - before

    leaf_on, leaf_rows = toggle(leaf, "on")
    big_on, big_rows = toggle(big, "on")
    assert (big_on, big_rows) == (leaf_on, leaf_rows) == (leaf_on, 1)
    assert toggle(big, "off")[0] == toggle(leaf, "off")[0]
    assert toggle(big, "inherit") == toggle(leaf, "inherit")

    # And the descendants really are covered, present ones included.
    switch(big, upflow, "on", actor=firm_admin)
    deep = Folder.objects.filter(path__startswith=big.path, depth=big.depth + 2).last()
    assert Delivery.objects.filter(document=deposit_pdf(deep)).count() == 1


def test_resolving_a_folder_thirty_levels_deep_takes_a_bounded_number_of_queries(
        company, upflow, inqom, firm_admin, django_assert_max_num_queries):
    chain = [folder_create(company=company, parent=None, name="Niveau 1", actor=firm_admin)]
    for level in range(2, 31):
        chain.append(folder_create(company=company, parent=chain[-1], name=f"Niveau {level}", actor=firm_admin))
    switch(chain[2], upflow, "on", actor=firm_admin)
    switch(chain[9], upflow, "off", actor=firm_admin)
    switch(chain[19], upflow, "on", actor=firm_admin)
    switch(chain[4], inqom, "on", destination="achats", actor=firm_admin)
    deepest = Folder.objects.get(pk=chain[-1].pk)
    assert deepest.depth == 29

    # connections, their destinations, the ancestors' switches, the origin folders' names.
    with django_assert_max_num_queries(4):
        states = {s.app.slug: s for s in switch_states_for_folder(folder=deepest)}
    assert states["upflow"].effective and states["upflow"].inherited_from.name == "Niveau 20"
    assert states["inqom"].destination.key == "achats"
    assert states["inqom"].inherited_from.name == "Niveau 5"
    with django_assert_max_num_queries(4):
        shallow = {s.app.slug: s for s in switch_states_for_folder(folder=chain[1])}
    assert not shallow["upflow"].effective and shallow["upflow"].origin is None
    middle = {s.app.slug: s for s in switch_states_for_folder(folder=chain[12])}
    assert not middle["upflow"].effective and middle["upflow"].inherited_from.name == "Niveau 10"
