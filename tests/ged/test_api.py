"""The GED's search and bulk endpoints: bare lists, `{error, detail}` errors, 404 across tenants."""

import io
import zipfile

import pytest

from comptoir.ged.models import Document
from tests.api.conftest import ApiClient
from tests.factories import deposit_pdf, folder_named

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_search_answers_a_bare_list_of_hits(company, firm_admin):
    ventes = folder_named(company, "Ventes")
    month = ventes.children.order_by("position").first()
    document = deposit_pdf(month, actor=firm_admin, name="Facture-Électricité.pdf")
    deposit_pdf(folder_named(company, "Achats"), actor=firm_admin, name="facture-gaz.pdf")
    response = ApiClient(firm_admin).get(f"/search?q=electri&company={company.pk}")
    assert response.status_code == 200
    hits = response.json()
    assert hits == [{"id": document.pk, "name": "Facture-Électricité.pdf", "folder_id": month.pk,
                     "folder_path": f"{ventes.parent.name} / Ventes / {month.name}", "company_id": company.pk,
                     "snippet": hits[0]["snippet"]}]
    assert "Électricité" in hits[0]["snippet"] and "⟦" not in hits[0]["snippet"]
    within = ApiClient(firm_admin).get(f"/search?q=facture&folder={ventes.pk}").json()
    assert [hit["id"] for hit in within] == [document.pk]  # `folder` covers its whole subtree
    assert len(ApiClient(firm_admin).get("/search?q=facture&limit=1").json()) == 1


def test_empty_search_is_422_and_foreign_scope_is_404(company, firm_admin, other_company, other_firm_admin):
    api = ApiClient(firm_admin)
    for query in ("/search?q=", "/search", "/search?q=%20-%20"):
        response = api.get(query)
        assert response.status_code == 422, query
        assert response.json()["error"] == "invalid_request"
    foreign = ApiClient(other_firm_admin)
    assert foreign.get(f"/search?q=facture&company={company.pk}").status_code == 404
    assert foreign.get(f"/search?q=facture&folder={folder_named(company, 'Ventes').pk}").json()["error"] == "not_found"


def test_bulk_move_trash_restore_and_zip(company, firm_admin):
    achats, ventes = folder_named(company, "Achats"), folder_named(company, "Ventes")
    documents = [deposit_pdf(achats, actor=firm_admin, name=f"p{index}.pdf",
                             content=b"%PDF-1.4\n" + bytes([48 + index])) for index in range(3)]
    ids = [d.pk for d in documents]
    api = ApiClient(firm_admin)
    moved = api.post("/documents/bulk/move", {"document_ids": ids, "folder_id": ventes.pk})
    assert moved.status_code == 200
    assert moved.json() == [{"id": pk, "ok": True, "error": None, "detail": ""} for pk in ids]
    assert Document.objects.filter(folder=ventes).count() == 3
    archive = api.client.post("/api/v1/documents/bulk/zip", data={"document_ids": ids},
                              content_type="application/json", headers=api.headers)
    assert archive.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(b"".join(archive.streaming_content))).read("p1.pdf") == b"%PDF-1.4\n1"
    assert all(item["ok"] for item in api.post("/documents/bulk/trash", {"document_ids": ids[:2]}).json())
    restore = api.post("/documents/bulk/restore", {"document_ids": ids[:2]})
    assert restore.status_code == 200 and all(item["ok"] for item in restore.json())
    assert not Document.objects.filter(deleted_at__isnull=False).exists()


def test_bulk_with_an_id_of_another_tenant_is_404_and_does_nothing(company, firm_admin, other_company,
                                                                    other_firm_admin):
    mine = deposit_pdf(folder_named(company, "Achats"), actor=firm_admin)
    theirs = deposit_pdf(folder_named(other_company, "Achats"), actor=other_firm_admin)
    api = ApiClient(firm_admin)
    for path, body in (("/documents/bulk/trash", {"document_ids": [mine.pk, theirs.pk]}),
                       ("/documents/bulk/move", {"document_ids": [mine.pk],
                                                 "folder_id": folder_named(other_company, "Ventes").pk}),
                       ("/documents/bulk/zip", {"document_ids": [theirs.pk]}),
                       ("/documents/bulk/restore", {"document_ids": [mine.pk]})):  # not in the trash
        response = api.post(path, body)
        assert response.status_code == 404, path
        assert response.json()["error"] == "not_found"
    assert api.post("/documents/bulk/trash", {"document_ids": []}).status_code == 422
    mine.refresh_from_db()
    assert mine.deleted_at is None and mine.folder.name == "Achats"
