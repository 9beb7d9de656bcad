"""The firm's form and board, the client's « À fournir » on the home page, upload and review from the pages."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from comptoir.docrequests.models import DocumentRequest
from tests.conftest import login
from tests.docrequests.conftest import ventes_month
from tests.factories import PDF_BYTES


def test_firm_creates_a_request_from_the_form_and_sees_it_on_the_board(company, firm_admin, client_user):
    page = login(firm_admin)
    folder = ventes_month(company, timezone.localdate())
    due = timezone.localdate() + dt.timedelta(days=10)
    response = page.post(f"/demandes/entreprises/{company.pk}/nouvelle/", {
        "title": "Relevés bancaires de novembre", "due_date": due.isoformat(),
        "folder": folder.pk, "items": "relevé BNP\nrelevé Qonto\n", "reminder_offsets": ["-3", "0"], "repeat_days": 0})
    request = DocumentRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/demandes/{request.pk}/"
    assert request.folder == folder and request.reminder_offsets == [-3, 0] and request.repeat_days == 0
    assert list(request.addressees.all()) == [client_user]
    board = page.get(f"/demandes/?company={company.pk}").content.decode().replace("\u00a0", " ")
    assert "Relevés bancaires de novembre" in board and "À fournir : 1" in board
    assert "1 à fournir" in page.get("/").content.decode()  # the counts on the dashboard


def test_bad_cadence_is_a_french_message_and_nothing_is_created(company, firm_admin):
    response = login(firm_admin).post(f"/demandes/entreprises/{company.pk}/nouvelle/", {
        "title": "x", "due_date": "2030-01-01", "reminder_offsets": "la veille", "repeat_days": 7})
    assert response.status_code == 200 and "Choisissez les relances parmi" in response.content.decode()
    assert not DocumentRequest.objects.exists()


def test_a_client_cannot_open_the_form(company, client_user):
    assert login(client_user).get(f"/demandes/entreprises/{company.pk}/nouvelle/").status_code == 403
    assert login(client_user).get("/demandes/").status_code == 302  # to « À fournir »


def test_client_sees_to_provide_first_on_home_uploads_and_firm_closes(bank_request, client_user, firm_member):
    page = login(client_user)
    home = page.get("/", follow=True).content.decode()  # the home sends a client to « À fournir » first
    assert "À fournir" in home and "Relevés bancaires de novembre" in home and "relevé BNP" in home
    for item in bank_request.items.all():
        response = page.post(f"/demandes/{bank_request.pk}/repondre/", {
            "item": item.pk, "next": "to_provide", "files": SimpleUploadedFile(f"{item.label}.pdf", PDF_BYTES)})
        assert response.status_code == 302 and response["Location"] == "/demandes/a-fournir/"
    bank_request.refresh_from_db()
    assert bank_request.status == "provided"
    assert "Relevés bancaires de novembre" not in page.get("/demandes/a-fournir/").content.decode()
    firm = login(firm_member)
    assert "Fournie" in firm.get(f"/demandes/{bank_request.pk}/").content.decode()
    firm.post(f"/demandes/{bank_request.pk}/revue/", {"action": "close"})
    bank_request.refresh_from_db()
    assert bank_request.status == "closed"


def test_a_client_cannot_close(bank_request, client_user):
    assert login(client_user).post(f"/demandes/{bank_request.pk}/revue/", {"action": "close"}).status_code == 403
    bank_request.refresh_from_db()
    assert bank_request.status == "open"


def test_firm_adds_a_monthly_template_for_a_company(company, firm_admin, client_user):
    from comptoir.docrequests.models import RequestTemplate

    page = login(firm_admin)
    response = page.post("/demandes/modeles/", {"title": "Relevés bancaires", "frequency": "monthly", "day": 5,
                                               "month": 1, "due_days": 10, "folder_role": "banque",
                                               "items": "relevé BNP\n", "companies": [company.pk]})
    assert response.status_code == 302
    template = RequestTemplate.objects.get()
    assert template.items == ["relevé BNP"] and list(template.companies.all()) == [company]
    assert "Relevés bancaires" in page.get("/demandes/modeles/").content.decode()
    assert login(client_user).get("/demandes/modeles/").status_code == 403
    refused = page.post("/demandes/modeles/", {"title": "x", "frequency": "monthly", "day": 31, "month": 1,
                                              "due_days": 10, "folder_role": "banque"})
    assert refused.status_code == 200 and RequestTemplate.objects.count() == 1


def test_to_provide_in_english(bank_request, client_user):
    page = login(client_user)
    page.cookies["django_language"] = "en"
    text = page.get("/demandes/a-fournir/", headers={"Accept-Language": "en"}).content.decode()
    assert "To provide" in text and "I don't have this document" in text and "or take a photo" in text


def test_firm_admin_sets_the_reminders_time_zone(firm, firm_admin, firm_member):
    from comptoir.docrequests.jobs import REMINDERS

    page = login(firm_admin)
    assert "heure de Europe/Paris" in page.get("/demandes/modeles/").content.decode()
    page.post("/demandes/fuseau-horaire/", {"time_zone": "Mars/Olympus"})
    assert dict(REMINDERS.scopes())[f"firm:{firm.pk}"] == "Europe/Paris"
    page.post("/demandes/fuseau-horaire/", {"time_zone": "America/Martinique"})
    assert dict(REMINDERS.scopes())[f"firm:{firm.pk}"] == "America/Martinique"
    assert login(firm_member).post("/demandes/fuseau-horaire/", {"time_zone": "UTC"}).status_code == 403
    assert dict(REMINDERS.scopes())[f"firm:{firm.pk}"] == "America/Martinique"


def test_the_form_shows_folders_in_tree_order_and_the_cadence_as_chips(company, firm_admin):
    import re

    page = login(firm_admin).get(f"/demandes/entreprises/{company.pk}/nouvelle/").content.decode()
    paths = re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', page)
    assert paths and all(" / " in path for path in paths[1:] if path.startswith(paths[0]))
    # A parent comes right before its own children: every path's parent is listed before it.
    for index, path in enumerate(paths):
        if " / " in path:
            assert path.rsplit(" / ", 1)[0] in paths[:index], path
    assert 'class="chips"' in page and "J-7" in page and "jour J" in page and "chaque semaine" in page


def test_the_next_reminder_date_is_on_the_request():
    from comptoir.docrequests.jobs import reminder_next_date
    from comptoir.docrequests.models import DocumentRequest

    request = DocumentRequest(due_date=dt.date(2026, 12, 20), reminder_offsets=[-7, -1, 0], repeat_days=7)
    assert reminder_next_date(request=request, today=dt.date(2026, 12, 8)) == dt.date(2026, 12, 13)
    assert reminder_next_date(request=request, today=dt.date(2026, 12, 20)) == dt.date(2026, 12, 20)
    assert reminder_next_date(request=request, today=dt.date(2026, 12, 21)) == dt.date(2026, 12, 27)
    request.repeat_days = 0
    assert reminder_next_date(request=request, today=dt.date(2026, 12, 21)) is None
