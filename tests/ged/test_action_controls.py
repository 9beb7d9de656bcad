"""The GED shows an action only to whom the policy allows it, cell by cell of docs/permissions.md.

For every role and every origin of document or folder (the permission matrix's `World`), the pages a
person opens — the folder page, a row's « Plus » menu, the trash — hold a control for an action exactly
when the matrix says yes; and a POST the page did not offer is still refused, nothing changed.
"""

import pytest
from django.urls import reverse

from comptoir.ged.models import Document, Folder
from comptoir.ged.services import document_trash, folder_trash
from tests.accounts.test_permission_matrix import DOCUMENT_ORIGINS, EXPECTED, FOLDER_ORIGINS, ROLES, ROWS, World
from tests.conftest import login

CELLS = {row.action: row.cells for row in ROWS if row.area == "ged"}


def expected(action: str, role: str, origin: str = "any") -> bool:
    return EXPECTED[CELLS[action][role]](origin)


@pytest.fixture
def world(company, firm_admin, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return World(company, firm_admin)


def _row(html: str, document: Document) -> str:
    start = html.index(f'<tr id="document-{document.pk}"')
    return html[start:html.index("</tr>", start)]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_document_rows_and_menus_offer_what_the_policy_allows(world, role):
    documents = {origin: world.document(origin, role) for origin in DOCUMENT_ORIGINS}
    client = login(world.users[role])
    page = client.get(reverse("ged:folder", args=[world.ventes.pk])).content.decode()
    wrong = []
    for origin, document in documents.items():
        row = _row(page, document)
        if ('draggable="true"' in row) != expected("document.move", role, origin):
            wrong.append(f"drag on {origin}")
        menu = client.get(reverse("ged:document_menu", args=[document.pk]))
        assert menu.status_code == 200
        html = menu.content.decode()
        for action in ("rename", "move", "copy", "trash"):
            shown = reverse(f"ged:document_{action}", args=[document.pk]) in html
            if shown != expected(f"document.{action}", role, origin):
                wrong.append(f"{action} on {origin}: shown={shown}")
    # The bulk bar offers moving and trashing when some listed document allows it.
    bulk = page[page.index('id="bulk-form"'):page.index("</form>", page.index('id="bulk-form"'))]
    for action in ("move", "trash"):
        allowed = any(expected(f"document.{action}", role, origin) for origin in DOCUMENT_ORIGINS)
        if (f'value="{action}"' in bulk) != allowed:
            wrong.append(f"bulk {action}")
    assert not wrong, f"{role}: " + "; ".join(wrong)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_folder_toolbar_offers_what_the_policy_allows(world, role):
    client = login(world.users[role])
    wrong = []
    for origin in FOLDER_ORIGINS:
        folder = world.folder(origin, role)
        html = client.get(reverse("ged:folder", args=[folder.pk])).content.decode()
        for action in ("rename", "move", "trash"):
            shown = reverse(f"ged:folder_{action}", args=[folder.pk]) in html
            if shown != expected(f"folder.{action}", role, origin):
                wrong.append(f"{action} on {origin}: shown={shown}")
        if ("Nouveau sous-dossier" in html) != expected("folder.create", role):
            wrong.append(f"new subfolder on {origin}")
        if ('name="firm_only"' in html) != expected("folder.create_firm_only", role):
            wrong.append(f"firm-only box on {origin}")
    assert not wrong, f"{role}: " + "; ".join(wrong)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_trash_offers_restore_only_where_the_policy_allows(world, role):
    admin = world.users["firm_admin"]
    documents = {origin: world.document(origin, role) for origin in DOCUMENT_ORIGINS}
    folders = {origin: world.folder(origin, role) for origin in FOLDER_ORIGINS if origin != "template"}
    for document in documents.values():
        document_trash(document=document, actor=admin)
    for folder in folders.values():
        folder_trash(folder=folder, actor=admin)
    client = login(world.users[role])
    html = client.get(reverse("ged:trash", args=[world.company.pk])).content.decode()
    wrong = []
    for origin, document in documents.items():
        shown = reverse("ged:document_restore", args=[world.company.pk, document.pk]) in html
        if shown != expected("document.restore", role, origin):
            wrong.append(f"document restore on {origin}: shown={shown}")
    for origin, folder in folders.items():
        shown = reverse("ged:folder_restore", args=[world.company.pk, folder.pk]) in html
        if shown != expected("folder.restore", role, origin):
            wrong.append(f"folder restore on {origin}: shown={shown}")
    assert not wrong, f"{role}: " + "; ".join(wrong)
    # What the page did not offer stays refused when posted anyway.
    for origin, document in documents.items():
        if not expected("document.restore", role, origin):
            client.post(reverse("ged:document_restore", args=[world.company.pk, document.pk]))
            assert Document.objects.get(pk=document.pk).deleted_at is not None, origin
    for origin, folder in folders.items():
        if not expected("folder.restore", role, origin):
            response = client.post(reverse("ged:folder_restore", args=[world.company.pk, folder.pk]))
            assert response.status_code == 403
            assert Folder.objects.get(pk=folder.pk).deleted_at is not None, origin


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_a_refused_post_changes_nothing(world, role):
    """The controls are hidden, and the URLs behind them still refuse (web and policy agree)."""
    client = login(world.users[role])
    other = world.folder("firm", "firm_admin")
    refused = 0
    for origin in DOCUMENT_ORIGINS:
        document = world.document(origin, role)
        if not expected("document.rename", role, origin):
            client.post(reverse("ged:document_rename", args=[document.pk]), {"name": "piraté.pdf"})
            client.post(reverse("ged:document_move", args=[document.pk]), {"folder": other.pk})
            client.post(reverse("ged:document_trash", args=[document.pk]))
            client.post(reverse("ged:bulk", args=[world.ventes.pk]), {"action": "trash", "document": document.pk})
            after = Document.objects.get(pk=document.pk)
            assert (after.name, after.folder_id, after.deleted_at) == (document.name, world.ventes.pk, None), origin
            refused += 1
    for origin in FOLDER_ORIGINS:
        folder = world.folder(origin, role)
        if not expected("folder.rename", role, origin):
            assert client.post(reverse("ged:folder_rename", args=[folder.pk]), {"name": "Piraté"}).status_code == 403
            assert client.post(reverse("ged:folder_trash", args=[folder.pk])).status_code == 403
            after = Folder.objects.get(pk=folder.pk)
            assert (after.name, after.deleted_at) == (folder.name, None), origin
            refused += 1
    # The firm may do anything; every client role is refused something.
    assert (refused == 0) == (role in {"firm_admin", "firm_member"})


@pytest.mark.django_db
def test_asking_the_policy_per_row_costs_no_query_per_row(world):
    """A client admin's rule reads each depositor's role: the page asks for them once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import deposit_pdf

    client = login(world.users["client_admin"])
    url = reverse("ged:folder_documents", args=[world.ventes.pk])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    deposit_pdf(world.ventes, actor=world.other_client, name="un.pdf")
    few = queries()
    for index in range(6):
        deposit_pdf(world.ventes, actor=world.other_client if index % 2 else world.users["client_member"],
                    name=f"lot-{index}.pdf")
    assert queries() == few
