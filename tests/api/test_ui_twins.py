"""The API twins of the UI's actions (issue 19): what an integrator sees, refusals included.

Each test goes through the endpoint as a client would and checks the result where a person would
see it (the folder tree, the trash, the company page's data), and that a refused request changed nothing.
"""

import io
import zipfile

from comptoir.firms.models import Invitation, Membership
from comptoir.ged.models import Document, Folder
from comptoir.intake.models import ZipImport
from comptoir.jobs.models import OutgoingMail
from tests.factories import PDF_BYTES, UserFactory, deposit_pdf, folder_named, membership_for


def _error(response, status: int, code: str | None = None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error", "detail"}
    if code:
        assert body["error"] == code
    return body["detail"]


# -- Folders ------------------------------------------------------------------------------------

def test_folder_rename_move_trash_restore_round_trip(api_as, company, firm_admin):
    api = api_as(firm_admin)
    ventes = folder_named(company, "Ventes")
    made = api.post(f"/companies/{company.pk}/folders", {"name": "Banque"}).json()
    renamed = api.post(f"/folders/{made['id']}/rename", {"name": "Relevés bancaires"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Relevés bancaires"

    moved = api.post(f"/folders/{made['id']}/move", {"parent_id": ventes.pk}).json()
    assert moved["parent_id"] == ventes.pk
    assert moved["path"].endswith("/Ventes/Relevés bancaires")

    deposit_pdf(Folder.objects.get(pk=made["id"]), actor=firm_admin, name="releve.pdf")
    assert api.post(f"/folders/{made['id']}/trash", {}).status_code == 200
    tree = {row["id"] for row in api.get(f"/companies/{company.pk}/folders").json()}
    assert made["id"] not in tree
    trash = api.get(f"/companies/{company.pk}/trash").json()
    assert [(item["kind"], item["name"]) for item in trash] == [("folder", "Relevés bancaires")]
    assert trash[0]["deleted_by"] == firm_admin.email

    restored = api.post(f"/folders/{made['id']}/restore")
    assert restored.status_code == 200
    assert made["id"] in {row["id"] for row in api.get(f"/companies/{company.pk}/folders").json()}
    assert [d["name"] for d in api.get(f"/folders/{made['id']}/documents").json()] == ["releve.pdf"]
    assert api.get(f"/companies/{company.pk}/trash").json() == []


def test_folder_rename_to_a_taken_name_is_a_400_and_nothing_changes(api_as, company, firm_admin):
    api = api_as(firm_admin)
    achats = folder_named(company, "Achats")
    ventes = folder_named(company, "Ventes")
    detail = _error(api.post(f"/folders/{achats.pk}/rename", {"name": ventes.name}), 400, "invalid")
    assert detail
    achats.refresh_from_db()
    assert achats.name == "Achats"
    _error(api.post(f"/folders/{achats.pk}/rename", {"name": ""}), 422, "invalid_request")


def test_folder_moved_under_itself_is_refused(api_as, company, firm_admin):
    api = api_as(firm_admin)
    parent = api.post(f"/companies/{company.pk}/folders", {"name": "Parent"}).json()
    child = api.post(f"/companies/{company.pk}/folders", {"name": "Enfant", "parent_id": parent["id"]}).json()
    _error(api.post(f"/folders/{parent['id']}/move", {"parent_id": child["id"]}), 400)
    assert Folder.objects.get(pk=parent["id"]).parent_id is None


def test_annual_folder_trash_needs_its_exact_name(api_as, company, firm_admin):
    api = api_as(firm_admin)
    annual = Folder.objects.get(company=company, role="annual")
    _error(api.post(f"/folders/{annual.pk}/trash", {"confirm_name": "oui"}), 400)
    annual.refresh_from_db()
    assert annual.deleted_at is None
    assert api.post(f"/folders/{annual.pk}/trash", {"confirm_name": annual.name}).status_code == 200


def test_client_user_cannot_rename_the_firms_template_folders(api_as, company, client_user):
    ventes = folder_named(company, "Ventes")
    _error(api_as(client_user).post(f"/folders/{ventes.pk}/rename", {"name": "Mes ventes"}), 403, "forbidden")
    ventes.refresh_from_db()
    assert ventes.name == "Ventes"


def test_restoring_a_live_folder_is_a_404(api_as, company, firm_admin):
    ventes = folder_named(company, "Ventes")
    _error(api_as(firm_admin).post(f"/folders/{ventes.pk}/restore"), 404, "not_found")


# -- Documents ----------------------------------------------------------------------------------

def test_document_rename_copy_trash_restore(api_as, company, firm_admin):
    api = api_as(firm_admin)
    ventes, achats = folder_named(company, "Ventes"), folder_named(company, "Achats")
    document = deposit_pdf(ventes, actor=firm_admin)
    assert api.post(f"/documents/{document.pk}/rename", {"name": "Facture 7.pdf"}).json()["name"] == "Facture 7.pdf"

    copy = api.post(f"/documents/{document.pk}/copy", {"folder_id": achats.pk})
    assert copy.status_code == 201
    assert copy.json()["folder_id"] == achats.pk and copy.json()["id"] != document.pk
    assert [d["name"] for d in api.get(f"/folders/{achats.pk}/documents").json()] == ["Facture 7.pdf"]

    assert api.post(f"/documents/{document.pk}/trash").status_code == 200
    assert api.get(f"/documents/{document.pk}").status_code == 404
    assert [(i["kind"], i["id"]) for i in api.get(f"/companies/{company.pk}/trash").json()] == [
        ("document", document.pk)]
    assert api.post(f"/documents/{document.pk}/restore").status_code == 200
    assert api.get(f"/documents/{document.pk}").status_code == 200


def test_document_rename_to_nothing_is_refused_and_keeps_the_name(api_as, company, firm_admin):
    document = deposit_pdf(folder_named(company, "Ventes"), actor=firm_admin)
    _error(api_as(firm_admin).post(f"/documents/{document.pk}/rename", {"name": "///"}), 400)
    document.refresh_from_db()
    assert document.name == "facture.pdf"


def test_copy_to_another_companys_folder_is_a_404_and_copies_nothing(api_as, company, firm_admin, other_company):
    document = deposit_pdf(folder_named(company, "Ventes"), actor=firm_admin)
    _error(api_as(firm_admin).post(f"/documents/{document.pk}/copy",
                                   {"folder_id": folder_named(other_company, "Ventes").pk}), 404)
    assert Document.objects.count() == 1


def test_client_member_cannot_trash_what_the_firm_deposited(api_as, company, firm_admin):
    member = membership_for(UserFactory(email="membre@boulangerie.fr"), firm=company.firm, role="client_member",
                            company=company).user
    document = deposit_pdf(folder_named(company, "Achats"), actor=firm_admin)
    _error(api_as(member).post(f"/documents/{document.pk}/trash"), 403, "forbidden")
    document.refresh_from_db()
    assert document.deleted_at is None


def test_folder_documents_page_through_newest_first(api_as, company, firm_admin):
    ventes = folder_named(company, "Ventes")
    ids = [deposit_pdf(ventes, actor=firm_admin, name=f"f{n}.pdf", content=PDF_BYTES + bytes([n])).pk
           for n in range(3)]
    api = api_as(firm_admin)
    first = api.get(f"/folders/{ventes.pk}/documents?limit=2").json()
    rest = api.get(f"/folders/{ventes.pk}/documents?limit=2&offset=2").json()
    assert [d["id"] for d in first + rest] == ids[::-1]
    _error(api.get(f"/folders/{ventes.pk}/documents?limit=0"), 422, "invalid_request")


# -- Companies, people, invitations ---------------------------------------------------------------

def test_company_patch_changes_only_what_is_given(api_as, company, firm_admin):
    response = api_as(firm_admin).send("PATCH", f"/companies/{company.pk}", {"name": "Boulangerie Alpha & Fils"})
    assert response.status_code == 200, response.content
    company.refresh_from_db()
    assert (company.name, response.json()["siren"]) == ("Boulangerie Alpha & Fils", company.siren)


def test_company_patch_with_a_bad_siren_is_a_400_by_field_and_nothing_changes(api_as, company, firm_admin):
    detail = _error(api_as(firm_admin).send("PATCH", f"/companies/{company.pk}",
                                            {"name": "Autre", "siren": "123"}), 400, "invalid")
    assert "siren" in detail
    company.refresh_from_db()
    assert company.name == "Boulangerie Alpha"


def test_archive_makes_the_company_read_only_until_unarchived(api_as, company, firm_admin, client_user):
    api = api_as(firm_admin)
    _error(api_as(client_user).post(f"/companies/{company.pk}/archive"), 403, "forbidden")
    archived = api.post(f"/companies/{company.pk}/archive")
    assert archived.status_code == 200 and archived.json()["archived_at"]
    _error(api.send("PATCH", f"/companies/{company.pk}", {"name": "X"}), 400)
    assert api.post(f"/companies/{company.pk}/unarchive").json()["archived_at"] is None


def test_invite_then_resend_then_cancel(api_as, company, firm_admin):
    api = api_as(firm_admin)
    created = api.post(f"/companies/{company.pk}/invitations", {"email": "Compta@Boulangerie.fr"})
    assert created.status_code == 201, created.content
    invitation = created.json()
    assert invitation["email"] == "compta@boulangerie.fr" and invitation["role"] == "client_member"
    assert [i["id"] for i in api.get(f"/companies/{company.pk}/invitations").json()] == [invitation["id"]]
    mails = OutgoingMail.objects.count()
    assert api.post(f"/companies/{company.pk}/invitations/{invitation['id']}/resend").status_code == 200
    assert OutgoingMail.objects.count() == mails + 1
    assert api.send("DELETE", f"/companies/{company.pk}/invitations/{invitation['id']}").status_code == 204
    assert api.get(f"/companies/{company.pk}/invitations").json() == []


def test_inviting_someone_who_has_an_account_is_a_400_and_sends_nothing(api_as, company, firm_admin, client_user):
    mails = OutgoingMail.objects.count()
    detail = _error(api_as(firm_admin).post(f"/companies/{company.pk}/invitations", {"email": client_user.email}),
                    400)
    assert "email" in detail
    assert not Invitation.objects.exists()
    assert OutgoingMail.objects.count() == mails
    _error(api_as(firm_admin).post(f"/companies/{company.pk}/invitations", {"email": "pas-une-adresse"}), 400)


def test_member_role_and_removal(api_as, company, firm_admin, client_user):
    member = membership_for(UserFactory(email="membre@boulangerie.fr"), firm=company.firm, role="client_member",
                            company=company)
    api = api_as(firm_admin)
    emails = {m["email"] for m in api.get(f"/companies/{company.pk}/members").json()}
    assert {client_user.email, member.user.email} <= emails
    changed = api.send("PATCH", f"/companies/{company.pk}/members/{member.pk}", {"role": "client_admin"})
    assert changed.json()["role"] == "client_admin"
    _error(api.send("PATCH", f"/companies/{company.pk}/members/{member.pk}", {"role": "firm_admin"}), 422)
    assert api.send("DELETE", f"/companies/{company.pk}/members/{member.pk}").status_code == 204
    assert not Membership.objects.filter(pk=member.pk).exists()
    member.user.refresh_from_db()
    assert member.user.is_active is False


def test_client_admin_cannot_change_their_own_role(api_as, company, client_user):
    own = client_user.membership
    _error(api_as(client_user).send("PATCH", f"/companies/{company.pk}/members/{own.pk}",
                                    {"role": "client_member"}), 400)
    own.refresh_from_db()
    assert own.role == "client_admin"


# -- Firm branding ------------------------------------------------------------------------------

def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def test_firm_branding_and_logo(api_as, firm, firm_admin, firm_member):
    api = api_as(firm_admin)
    patched = api.send("PATCH", "/firm", {"primary_color": "#112233", "sender_name": "Cabinet Alpha"})
    assert patched.status_code == 200, patched.content
    assert patched.json()["primary_color"] == "#112233"
    _error(api.send("PATCH", "/firm", {"primary_color": "rouge"}), 422)
    _error(api_as(firm_member).send("PATCH", "/firm", {"name": "Pirate"}), 403, "forbidden")
    firm.refresh_from_db()
    assert (firm.name, firm.primary_color) == ("Cabinet Alpha", "#112233")

    _error(api.upload("/firm/logo", "logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>"), 400)
    assert api.get("/firm").json()["has_logo"] is False
    assert api.upload("/firm/logo", "logo.png", _png()).json()["has_logo"] is True
    logo = api.get("/firm/logo")
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"


# -- Intake: mailboxes, sender policy, zip ---------------------------------------------------------

def test_sender_policy_and_address_rotation(api_as, company, firm_admin, client_user):
    api = api_as(firm_admin)
    before = api.get(f"/companies/{company.pk}/mailboxes").json()
    assert before and all("@" in address for address in before.values())
    put = api.send("PUT", f"/companies/{company.pk}/sender-policy",
                   {"allowed_senders": ["Compta@Boulangerie.fr", "@banque.fr"], "untrusted": "refuse"})
    assert put.status_code == 200, put.content
    assert put.json()["allowed_senders"] == ["compta@boulangerie.fr", "@banque.fr"]
    _error(api.send("PUT", f"/companies/{company.pk}/sender-policy", {"allowed_senders": [], "untrusted": "x"}), 422)
    assert api.get(f"/companies/{company.pk}/sender-policy").json()["untrusted"] == "refuse"
    _error(api_as(client_user).get(f"/companies/{company.pk}/sender-policy"), 403)

    rotated = api.post(f"/companies/{company.pk}/mailboxes/rotate").json()["mailboxes"]
    assert set(rotated) == set(before) and all(rotated[box] != before[box] for box in before)


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_zip_import_is_accepted_and_its_progress_readable(api_as, company, firm_admin):
    api = api_as(firm_admin)
    ventes = folder_named(company, "Ventes")
    response = api.upload(f"/folders/{ventes.pk}/zip-imports", "lot.zip",
                          _zip({"a.pdf": PDF_BYTES, "b.pdf": PDF_BYTES + b"b"}))
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["archive_name"], body["total"], body["folder_id"]) == ("lot.zip", 2, ventes.pk)
    progress = api.get(f"/zip-imports/{body['id']}").json()
    assert progress["status"] in {"pending", "running", "done"}


def test_a_file_that_is_not_a_zip_is_refused_and_nothing_recorded(api_as, company, firm_admin):
    ventes = folder_named(company, "Ventes")
    detail = _error(api_as(firm_admin).upload(f"/folders/{ventes.pk}/zip-imports", "lot.zip", PDF_BYTES), 400)
    assert detail
    assert not ZipImport.objects.exists()


def _photo(name: str, colour: str):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def test_photos_combined_into_one_pdf(api_as, company, client_user):
    api = api_as(client_user)
    achats = folder_named(company, "Achats")
    response = api.client.post(f"/api/v1/folders/{achats.pk}/photos", headers=api.headers, data={
        "files": [_photo("p1.jpg", "white"), _photo("p2.jpg", "red")], "combine": "true", "name": "Ticket"})
    assert response.status_code == 201, response.content
    assert [(d["name"], d["content_type"], d["channel"]) for d in response.json()] == [
        ("Ticket.pdf", "application/pdf", "phone")]


def test_photos_without_a_file_is_refused_and_deposits_nothing(api_as, company, client_user):
    api = api_as(client_user)
    achats = folder_named(company, "Achats")
    response = api.client.post(f"/api/v1/folders/{achats.pk}/photos", headers=api.headers, data={"combine": "true"})
    assert _error(response, 400, "invalid") == "Aucun fichier reçu."
    assert not Document.objects.exists()


def test_approving_a_whole_message_deposits_each_of_its_files(api_as, company, firm_admin, client_user):
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from comptoir.intake.services.quarantine import quarantine_hold

    ventes = folder_named(company, "Ventes")
    held = [quarantine_hold(company=company, folder=ventes, file=ContentFile(PDF_BYTES + bytes([n])),
                            filename=f"f{n}.pdf", mailbox="ventes", recipient="ventes+x.t@depot.test",
                            reason="unauthenticated", authentication="", sender="x@evil.example",
                            envelope_sender="x@evil.example", subject="", message_id="<m@x>", message_key="m",
                            idempotency_key=f"k{n}", received_at=timezone.now()) for n in range(2)]
    _error(api_as(client_user).post(f"/quarantine/{held[0].pk}/approve-message"), 404)
    assert not Document.objects.exists()
    response = api_as(firm_admin).post(f"/quarantine/{held[0].pk}/approve-message")
    assert response.status_code == 200, response.content
    assert sorted(d["name"] for d in response.json()) == ["f0.pdf", "f1.pdf"]
    assert Document.objects.filter(folder=ventes).count() == 2
