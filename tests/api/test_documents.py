import hashlib
import os

from comptoir.ged.events import document_entered_subscribed
from comptoir.ged.models import Document
from tests.conftest import stored_keys
from tests.factories import PDF_BYTES, deposit_pdf, folder_named

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + os.urandom(300)


def test_upload_round_trip_keeps_bytes_and_checksum(api_as, company, client_user):
    api = api_as(client_user)
    ventes = folder_named(company, "Ventes")
    content = PDF_BYTES + os.urandom(3 * 1024 * 1024)  # above the in-memory threshold: spooled to disk
    with document_entered_subscribed((events := []).append):
        response = api.upload(f"/folders/{ventes.pk}/documents", "Facture 42.pdf", content)
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "name", "folder_id", "size", "sha256", "content_type", "channel", "deposited_at"}
    assert body["name"] == "Facture 42.pdf"
    assert body["folder_id"] == ventes.pk
    assert body["size"] == len(content)
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["content_type"] == "application/pdf"
    assert body["channel"] == "api"
    assert [(event.kind, event.folder.pk) for event in events] == [("deposit", ventes.pk)]
    assert Document.objects.get(pk=body["id"]).depositor == client_user

    download = api.get(f"/documents/{body['id']}/content")
    assert download.status_code == 200
    assert download.streaming
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert "Facture 42.pdf" in download["Content-Disposition"]
    downloaded = b"".join(download.streaming_content)
    assert hashlib.sha256(downloaded).hexdigest() == body["sha256"]
    assert downloaded == content


def test_type_is_sniffed_from_content_not_name(api_as, company, firm_admin):
    response = api_as(firm_admin).upload(f"/folders/{folder_named(company, 'Achats').pk}/documents", "scan.pdf",
                                         PNG_BYTES)
    assert response.status_code == 201
    assert response.json()["content_type"] == "image/png"


def test_executable_named_pdf_is_refused_with_a_clear_message_and_nothing_stored(api_as, company, firm_admin,
                                                                                  settings):
    ventes = folder_named(company, "Ventes")
    response = api_as(firm_admin).upload(f"/folders/{ventes.pk}/documents", "facture.pdf",
                                         b"MZ\x90\x00" + os.urandom(4000))
    assert response.status_code == 415
    assert response.json() == {
        "error": "unsupported_type",
        "detail": "« facture.pdf » est un programme exécutable, pas un document : il est refusé.",
    }
    assert not Document.objects.exists()
    assert stored_keys() == []


def test_too_large_file_is_a_413(api_as, company, firm_admin, settings):
    settings.COMPTOIR_MAX_UPLOAD_BYTES = 1000
    api = api_as(firm_admin)
    ventes = folder_named(company, "Ventes")
    slightly = api.upload(f"/folders/{ventes.pk}/documents", "gros.pdf", PDF_BYTES + b"0" * 2000)
    assert slightly.status_code == 413
    assert slightly.json()["error"] == "too_large"
    assert "gros.pdf" in slightly.json()["detail"]
    # Far beyond the limit: refused from the declared length, before the body is read.
    huge = api.upload(f"/folders/{ventes.pk}/documents", "enorme.pdf", PDF_BYTES + b"0" * 200_000)
    assert huge.status_code == 413
    assert huge.json()["error"] == "too_large"
    assert not Document.objects.exists()


def test_upload_without_file_field_is_a_422(api_as, company, firm_admin):
    ventes = folder_named(company, "Ventes")
    response = api_as(firm_admin).client.post(f"/api/v1/folders/{ventes.pk}/documents", data={"autre": "x"},
                                              headers=api_as(firm_admin).headers)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"


def test_upload_into_unknown_or_foreign_folder_is_404(api_as, firm_admin, other_company):
    api = api_as(firm_admin)
    for folder_id in (folder_named(other_company, "Ventes").pk, 987654):
        response = api.upload(f"/folders/{folder_id}/documents", "a.pdf", PDF_BYTES)
        assert response.status_code == 404
    assert not Document.objects.exists()


def test_document_detail(api_as, company, client_user):
    document = deposit_pdf(folder_named(company, "Ventes"), actor=client_user)
    response = api_as(client_user).get(f"/documents/{document.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == document.pk
    assert body["sha256"] == document.sha256
    assert body["channel"] == "web"
    assert body["folder_id"] == document.folder_id
    assert body["deliveries"] == []


def test_document_detail_shows_its_deliveries_to_partners(api_as, company, firm_admin):
    from comptoir.partners.services import connection_set, folder_switch_set, installation_create

    installation = installation_create(firm=company.firm, slug="upflow", actor=firm_admin)
    connection = connection_set(installation=installation, company=company,
                                destinations={"collection": "factures@upflow.example"}, actor=firm_admin)
    ventes = folder_named(company, "Ventes")
    folder_switch_set(folder=ventes, connection=connection, state="on", actor=firm_admin)
    sent = deposit_pdf(ventes, actor=firm_admin)
    refused = deposit_pdf(ventes, actor=firm_admin, name="notes.txt", content=b"juste du texte")

    api = api_as(firm_admin)
    [pending] = api.get(f"/documents/{sent.pk}").json()["deliveries"]
    assert pending["app"] == "upflow"
    assert pending["destination"] == "collection"
    assert pending["address"] == "factures@upflow.example"
    assert pending["status"] == "pending"
    assert pending["attempts"] == 0
    assert pending["sent_at"] is None
    [skipped] = api.get(f"/documents/{refused.pk}").json()["deliveries"]
    assert skipped["status"] == "skipped"
    assert "text/plain" in skipped["reason"] or "type" in skipped["reason"].lower()


def test_client_user_gets_404_for_a_document_in_a_firm_only_folder(api_as, company, firm_admin, client_user):
    hidden = deposit_pdf(folder_named(company, "Cabinet – Travaux"), actor=firm_admin)
    api = api_as(client_user)
    assert api.get(f"/documents/{hidden.pk}").status_code == 404
    assert api.get(f"/documents/{hidden.pk}/content").status_code == 404
    assert api_as(firm_admin).get(f"/documents/{hidden.pk}").status_code == 200


def test_trashed_document_is_404(api_as, company, firm_admin):
    from comptoir.ged.services import document_trash

    document = deposit_pdf(folder_named(company, "Ventes"))
    document_trash(document=document, actor=firm_admin)
    assert api_as(firm_admin).get(f"/documents/{document.pk}").status_code == 404


def test_move_document(api_as, company, firm_admin):
    document = deposit_pdf(folder_named(company, "Ventes"))
    achats = folder_named(company, "Achats")
    with document_entered_subscribed((events := []).append):
        response = api_as(firm_admin).post(f"/documents/{document.pk}/move", {"folder_id": achats.pk})
    assert response.status_code == 200
    assert response.json()["folder_id"] == achats.pk
    document.refresh_from_db()
    assert document.folder == achats
    assert [(event.kind, event.folder.pk) for event in events] == [("move", achats.pk)]


def test_move_to_another_company_of_the_firm_is_refused(api_as, company, firm, firm_admin):
    from tests.factories import CompanyFactory

    document = deposit_pdf(folder_named(company, "Ventes"))
    elsewhere = folder_named(CompanyFactory(firm=firm, name="Voisine"), "Ventes")
    response = api_as(firm_admin).post(f"/documents/{document.pk}/move", {"folder_id": elsewhere.pk})
    assert response.status_code == 400
    assert "autre entreprise" in str(response.json()["detail"])
    document.refresh_from_db()
    assert document.folder == folder_named(company, "Ventes")


def test_move_into_a_folder_the_user_cannot_see_is_404(api_as, company, client_user, other_company):
    document = deposit_pdf(folder_named(company, "Ventes"))
    api = api_as(client_user)
    for folder in (folder_named(company, "Cabinet – Travaux"), folder_named(other_company, "Achats")):
        assert api.post(f"/documents/{document.pk}/move", {"folder_id": folder.pk}).status_code == 404
    assert api.post(f"/documents/{document.pk}/move", {}).status_code == 422
    document.refresh_from_db()
    assert document.folder == folder_named(company, "Ventes")
