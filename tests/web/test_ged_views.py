import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from comptoir.ged.models import Document, Folder
from tests.conftest import login, stored_keys
from tests.factories import PDF_BYTES, deposit_pdf, folder_named

pytestmark = pytest.mark.django_db

EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200


@pytest.fixture
def achats(company):
    return folder_named(company, "Achats")


def _stored_files(settings) -> list:
    return stored_keys()  # local folder or S3 bucket (bin/test's scale pass)


def test_company_ged_opens_on_the_annual_folder(admin_client, company):
    response = admin_client.get(reverse("ged:company", args=[company.pk]), follow=True)
    assert response.status_code == 200
    assert "Dossier comptable annuel" in response.text
    assert "Achats" in response.text and "Cabinet – Travaux" in response.text


def test_upload_then_download_gives_back_the_same_bytes(admin_client, achats, firm_admin):
    response = admin_client.post(reverse("ged:upload", args=[achats.pk]),
                                 {"file": SimpleUploadedFile("facture mars.pdf", PDF_BYTES)},
                                 headers={"Accept": "application/json"})
    assert response.status_code == 201, response.content
    document = Document.objects.get(pk=response.json()["id"])
    assert (document.channel, document.depositor, document.content_type) == ("web", firm_admin, "application/pdf")
    page = admin_client.get(reverse("ged:folder", args=[achats.pk])).text
    assert "facture mars.pdf" in page and "Téléversement web" in page
    download = admin_client.get(reverse("ged:download", args=[document.pk]))
    if download.status_code == 302:  # S3 (the scale profile): a short-lived signed URL after the tenant check
        fetched = httpx.get(download["Location"], timeout=10)
        body, disposition = fetched.content, fetched.headers["content-disposition"]
    else:
        body, disposition = b"".join(download.streaming_content), download["Content-Disposition"]
    assert body == PDF_BYTES
    assert disposition.startswith("attachment")
    assert "facture mars.pdf" in disposition


def test_several_files_at_once_without_script(admin_client, achats):
    response = admin_client.post(reverse("ged:upload", args=[achats.pk]), {"file": [
        SimpleUploadedFile("a.pdf", PDF_BYTES), SimpleUploadedFile("b.pdf", PDF_BYTES)]}, follow=True)
    assert "« a.pdf » est déposé." in response.text and "« b.pdf » est déposé." in response.text
    assert Document.objects.filter(folder=achats).count() == 2


def test_an_executable_named_pdf_is_refused_with_a_clear_message_and_nothing_stored(admin_client, achats, settings):
    response = admin_client.post(reverse("ged:upload", args=[achats.pk]),
                                 {"file": SimpleUploadedFile("facture.pdf", EXE_BYTES)},
                                 headers={"Accept": "application/json"})
    assert response.status_code == 415
    assert response.json() == {"ok": False, "name": "facture.pdf", "status": 415,
                               "error": "« facture.pdf » est un programme exécutable, pas un document : il est refusé."}
    assert not Document.objects.exists()
    assert _stored_files(settings) == []


def test_preview_of_a_pdf_is_inline_under_a_restrictive_policy(admin_client, achats):
    document = deposit_pdf(achats)
    pane = admin_client.get(reverse("ged:document", args=[document.pk]), headers={"HX-Request": "true"})
    # The pane shows the pages as images; "Ouvrir le PDF" opens the file itself, inline.
    assert 'class="pdf-page"' in pane.text and reverse("ged:content", args=[document.pk]) in pane.text
    content = admin_client.get(reverse("ged:content", args=[document.pk]))
    assert content["Content-Disposition"].startswith("inline")
    assert content["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in content["Content-Security-Policy"]
    assert content["X-Frame-Options"] == "SAMEORIGIN"


def test_rename_move_copy_trash_and_restore_a_document(admin_client, company, achats):
    ventes = folder_named(company, "Ventes")
    document = deposit_pdf(achats)
    admin_client.post(reverse("ged:document_rename", args=[document.pk]), {"name": "Facture EDF.pdf"})
    document.refresh_from_db()
    assert document.name == "Facture EDF.pdf"

    admin_client.post(reverse("ged:document_copy", args=[document.pk]), {"folder": ventes.pk})
    copy = Document.objects.get(folder=ventes)
    assert copy.sha256 == document.sha256 and copy.pk != document.pk

    admin_client.post(reverse("ged:document_move", args=[document.pk]), {"folder": ventes.pk})
    document.refresh_from_db()
    assert document.folder == ventes

    admin_client.post(reverse("ged:document_trash", args=[document.pk]))
    assert f'id="document-{document.pk}"' not in admin_client.get(reverse("ged:folder", args=[ventes.pk])).text
    trash = admin_client.get(reverse("ged:trash", args=[company.pk])).text
    assert "Facture EDF.pdf" in trash
    admin_client.post(reverse("ged:document_restore", args=[company.pk, document.pk]))
    document.refresh_from_db()
    assert document.deleted_at is None


def test_rename_move_trash_and_restore_a_folder(admin_client, company, achats):
    banque = folder_named(company, "Banque")
    admin_client.post(reverse("ged:folder_create", args=[company.pk]), {"parent": banque.pk, "name": "Relevés"})
    releves = Folder.objects.get(name="Relevés")
    assert releves.parent == banque

    admin_client.post(reverse("ged:folder_rename", args=[releves.pk]), {"name": "Relevés 2025"})
    admin_client.post(reverse("ged:folder_move", args=[releves.pk]), {"parent": achats.pk})
    releves.refresh_from_db()
    assert (releves.name, releves.parent_id) == ("Relevés 2025", achats.pk)

    refused = admin_client.post(reverse("ged:folder_move", args=[achats.pk]), {"parent": releves.pk}, follow=True)
    assert "ne peut pas être déplacé dans lui-même" in refused.text

    admin_client.post(reverse("ged:folder_trash", args=[releves.pk]))
    assert admin_client.get(reverse("ged:folder", args=[releves.pk])).status_code == 404
    assert "Relevés 2025" in admin_client.get(reverse("ged:trash", args=[company.pk])).text
    admin_client.post(reverse("ged:folder_restore", args=[company.pk, releves.pk]))
    assert admin_client.get(reverse("ged:folder", args=[releves.pk])).status_code == 200


def test_client_users_never_see_firm_only_folders(company, client_user, firm_admin):
    firm_folder = folder_named(company, "Cabinet – Travaux")
    document = deposit_pdf(firm_folder, actor=firm_admin, name="note-interne.pdf")
    client = login(client_user)
    page = client.get(reverse("ged:company", args=[company.pk]), follow=True).text
    assert "Achats" in page and "Cabinet – Travaux" not in page
    assert client.get(reverse("ged:folder", args=[firm_folder.pk])).status_code == 404
    assert client.get(reverse("ged:download", args=[document.pk])).status_code == 404
    assert client.get(reverse("ged:content", args=[document.pk])).status_code == 404
    achats = folder_named(company, "Achats")
    assert client.post(reverse("ged:document_move", args=[document.pk]), {"folder": achats.pk}).status_code == 404
    assert client.post(reverse("ged:upload", args=[firm_folder.pk]),
                       {"file": SimpleUploadedFile("x.pdf", PDF_BYTES)}).status_code == 404


def test_client_cannot_move_a_document_into_a_firm_only_folder(company, client_user):
    document = deposit_pdf(folder_named(company, "Achats"))
    firm_folder = folder_named(company, "Cabinet – Travaux")
    assert login(client_user).post(reverse("ged:document_move", args=[document.pk]),
                                   {"folder": firm_folder.pk}).status_code == 404
    document.refresh_from_db()
    assert document.folder.name == "Achats"


def test_ged_pages_are_404_for_another_firm(company, other_firm_admin, other_client_user):
    achats = folder_named(company, "Achats")
    document = deposit_pdf(achats)
    for user in (other_firm_admin, other_client_user):
        client = login(user)
        assert client.get(reverse("ged:company", args=[company.pk])).status_code == 404
        assert client.get(reverse("ged:folder", args=[achats.pk])).status_code == 404
        assert client.get(reverse("ged:download", args=[document.pk])).status_code == 404
        assert client.get(reverse("ged:trash", args=[company.pk])).status_code == 404
        assert client.post(reverse("ged:document_trash", args=[document.pk])).status_code == 404
    document.refresh_from_db()
    assert document.deleted_at is None


def test_folder_toolbar_shows_registered_panels_and_skips_unknown_urls(admin_client, client_user, company):
    from comptoir.ged import extensions

    achats = folder_named(company, "Achats")
    try:
        extensions.folder_panels.register(extensions.Panel(key="t-staff", url_name="ged:folder_documents",
                                                           firm_staff_only=True))
        extensions.folder_panels.register(extensions.Panel(key="t-missing", url_name="nowhere:nothing"))
        staff_page = admin_client.get(reverse("ged:folder", args=[achats.pk])).text
        client_page = login(client_user).get(reverse("ged:folder", args=[achats.pk])).text
    finally:
        extensions.folder_panels.unregister("t-staff")
        extensions.folder_panels.unregister("t-missing")
    panel_url = reverse("ged:folder_documents", args=[achats.pk])
    assert f'hx-get="{panel_url}" hx-trigger="load"' in staff_page
    assert 'id="panel-t-staff"' not in client_page
    assert 'id="panel-t-missing"' not in staff_page


def test_csrf_is_enforced_on_uploads(firm_admin, achats):
    client = Client(enforce_csrf_checks=True)
    client.force_login(firm_admin)
    response = client.post(reverse("ged:upload", args=[achats.pk]), {"file": SimpleUploadedFile("a.pdf", PDF_BYTES)})
    assert response.status_code == 403
    assert not Document.objects.exists()


def test_client_admin_cannot_rename_move_or_trash_the_firms_template_folders(company, client_user):
    ventes = folder_named(company, "Ventes")
    client = login(client_user)
    page = client.get(f"/ged/dossier/{ventes.pk}/").content.decode()
    # The folder's own trash action is not offered (documents' bulk bar still is).
    assert f"/ged/dossier/{ventes.pk}/supprimer/" not in page and "Nouveau sous-dossier" in page
    assert client.post(f"/ged/dossier/{ventes.pk}/supprimer/").status_code == 403
    assert client.get(f"/ged/dossier/{ventes.pk}/supprimer/").status_code == 403
    assert client.post(f"/ged/dossier/{ventes.pk}/renommer/", {"name": "Autre"}).status_code == 403
    ventes.refresh_from_db()
    assert ventes.deleted_at is None and ventes.name == "Ventes"


def test_client_admin_manages_the_folders_they_create(company, client_user):
    from comptoir.ged.services import folder_create

    own = folder_create(company=company, parent=folder_named(company, "Ventes"), name="Devis", actor=client_user)
    client = login(client_user)
    assert f"/ged/dossier/{own.pk}/supprimer/" in client.get(f"/ged/dossier/{own.pk}/").content.decode()
    assert client.post(f"/ged/dossier/{own.pk}/renommer/", {"name": "Devis 2026"}).status_code == 302
    own.refresh_from_db()
    assert own.name == "Devis 2026"
