import io

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from comptoir.firms.models import Company
from comptoir.ged.models import Folder
from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_home_lists_only_the_companies_the_user_may_see(company, other_company, client_user, other_firm_admin):
    assert "Boulangerie Alpha" in login(client_user).get(reverse("web:companies")).text
    page = login(other_firm_admin).get(reverse("web:companies")).text
    assert "Garage Beta" in page and "Boulangerie Alpha" not in page


def test_search_filters_companies(admin_client, company, firm):
    from tests.factories import CompanyFactory

    CompanyFactory(firm=firm, name="Plomberie Zeta")
    page = admin_client.get(reverse("web:companies"), {"q": "plomb"}).text
    assert "Plomberie Zeta" in page and "Boulangerie Alpha" not in page


def test_firm_admin_creates_a_company_with_its_folders(admin_client, firm):
    response = admin_client.post(reverse("web:company_new"), {
        "name": "Menuiserie Delta", "siren": "552 100 554", "siret": "",
        "fiscal_year_start": "2025-07-01", "fiscal_year_end": "2026-06-30",
    })
    company = Company.objects.get(name="Menuiserie Delta")
    assert response.status_code == 302 and response["Location"] == reverse("web:company", args=[company.pk])
    assert company.siren == "552100554"
    assert Folder.objects.filter(company=company, name="Exercice 2025-2026").exists()
    assert "Menuiserie Delta" in admin_client.get(response["Location"]).text


def test_company_with_a_bad_siren_is_refused_with_a_message(admin_client):
    response = admin_client.post(reverse("web:company_new"), {"name": "Mauvais", "siren": "123456789"})
    assert response.status_code == 200
    assert "SIREN invalide" in response.text
    assert not Company.objects.filter(name="Mauvais").exists()


def test_only_firm_admins_create_companies(firm_member, client_user):
    for user in (firm_member, client_user):
        assert login(user).get(reverse("web:company_new")).status_code == 403
    assert "Nouvelle entreprise" not in login(firm_member).get(reverse("web:home")).text


def test_company_page_is_404_for_other_tenants(company, other_firm_admin, other_client_user):
    for user in (other_firm_admin, other_client_user):
        assert login(user).get(reverse("web:company", args=[company.pk])).status_code == 404


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 10, 10)).save(buffer, "PNG")
    return buffer.getvalue()


def test_firm_admin_edits_branding_and_logo_appears(admin_client, firm):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = admin_client.post(reverse("web:firm_settings"), {
        "name": "Cabinet Alpha & Co", "primary_color": "#112233", "accent_color": "#445566", "sender_name": "Alpha",
        "logo_upload": SimpleUploadedFile("logo.png", _png(), content_type="image/png"),
    })
    assert response.status_code == 302
    page = admin_client.get(reverse("web:home")).text
    assert "--primary: #112233" in page and "Cabinet Alpha &amp; Co" in page
    logo = admin_client.get(reverse("web:firm_logo"))
    assert logo["Content-Type"] == "image/png"
    assert b"".join(logo.streaming_content) == _png()


def test_a_logo_that_is_not_an_image_is_refused(admin_client, firm):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = admin_client.post(reverse("web:firm_settings"), {
        "name": "Cabinet Alpha", "primary_color": "#112233", "accent_color": "#445566", "sender_name": "",
        "logo_upload": SimpleUploadedFile("logo.svg", b"<svg onload='alert(1)'/>", content_type="image/svg+xml"),
    })
    assert response.status_code == 200
    assert "Le logo doit être une image" in response.text
    firm.refresh_from_db()
    assert not firm.logo


def test_firm_settings_are_for_admins_only(firm_member):
    assert login(firm_member).get(reverse("web:firm_settings")).status_code == 403


def test_settings_menu_shows_cabinet_to_admins_only(admin_client, client_user):
    assert reverse("web:firm_settings") in admin_client.get(reverse("accounts:settings")).text
    assert reverse("web:firm_settings") not in login(client_user).get(reverse("accounts:settings")).text


def test_csrf_is_enforced_on_company_creation(firm_admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(firm_admin)
    assert client.post(reverse("web:company_new"), {"name": "X", "siren": "732829320"}).status_code == 403
