"""Phone capture (photos combined into one PDF) and the company's mailbox panel and sender policy page."""

import io
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from PIL.PdfParser import PdfParser

from comptoir.ged.models import Document
from comptoir.intake.models import MailboxPolicy
from tests.conftest import login
from tests.delivery.conftest import upflow  # noqa: F401 - the fixture
from tests.factories import PDF_BYTES, folder_named


def pdf_pages(data: bytes) -> int:
    """Pages of the PDF as a reader sees them (pages are appended as incremental updates)."""
    return len(PdfParser(buf=data).pages)


def photo(name: str, colour: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), colour).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.mark.django_db
def test_phone_panel_opens_the_camera(client_user, company):
    folder = folder_named(company, "Achats")
    content = login(client_user).get(f"/depots/dossiers/{folder.pk}/ajouter/").content.decode()
    assert 'capture="environment"' in content and 'accept="image/*,application/pdf"' in content
    assert "multiple" in content and "Ajouter" in content


@pytest.mark.django_db
def test_three_photos_become_one_three_page_pdf(client_user, company):
    folder = folder_named(company, "Achats")
    response = login(client_user).post(f"/depots/dossiers/{folder.pk}/ajouter/envoyer/", {
        "files": [photo("p1.jpg", "white"), photo("p2.jpg", "red"), photo("p3.jpg", "blue")],
        "combine": "1", "name": "Facture EDF"})
    assert response.status_code == 201
    document = Document.objects.get()
    assert document.name == "Facture EDF.pdf"
    assert document.content_type == "application/pdf"
    assert document.channel == "phone"
    assert document.depositor == client_user
    with document_bytes(document) as data:
        assert pdf_pages(data) == 3


@pytest.mark.django_db
def test_photos_not_combined_are_separate_documents(client_user, company):
    folder = folder_named(company, "Achats")
    response = login(client_user).post(f"/depots/dossiers/{folder.pk}/ajouter/envoyer/", {
        "files": [photo("p1.jpg", "white"), photo("p2.jpg", "red"),
                  SimpleUploadedFile("f.pdf", PDF_BYTES, content_type="application/pdf")]})
    assert response.status_code == 201
    assert sorted(Document.objects.values_list("name", flat=True)) == ["f.pdf", "p1.jpg", "p2.jpg"]


@pytest.mark.django_db
def test_other_firm_cannot_use_phone_capture(other_firm_admin, company):
    folder = folder_named(company, "Achats")
    response = login(other_firm_admin).post(f"/depots/dossiers/{folder.pk}/ajouter/envoyer/",
                                            {"files": [photo("p1.jpg", "white")]})
    assert response.status_code == 404


@pytest.mark.django_db
def test_mailbox_panel_shows_addresses_with_copy_buttons(client_user, company, settings):
    settings.MAIL_DOMAIN = "depot.test"
    content = login(client_user).get(f"/depots/entreprises/{company.pk}/boites/").content.decode()
    token = MailboxPolicy.objects.get(company=company).token
    assert f"achats+{company.slug}.{token}@depot.test" in content
    assert content.count('class="copy"') == 6
    assert "expéditeurs" not in content.lower()  # client users do not edit the sender policy


@pytest.mark.django_db
def test_firm_staff_edit_allowed_senders_clients_cannot(firm_admin, client_user, company):
    url = f"/depots/entreprises/{company.pk}/expediteurs/"
    assert login(client_user).post(url, {"allowed_senders": "x@y.fr"}).status_code == 403
    response = login(firm_admin).post(url, {"allowed_senders": "Compta@Fournisseur.fr\n\n@banque.fr\n"})
    assert response.status_code == 302
    assert MailboxPolicy.objects.get(company=company).sender_patterns() == ["compta@fournisseur.fr", "@banque.fr"]


@pytest.mark.django_db
def test_mailbox_panel_is_404_for_another_firm(other_firm_admin, company):
    assert login(other_firm_admin).get(f"/depots/entreprises/{company.pk}/boites/").status_code == 404


class document_bytes:  # noqa: N801 - a tiny context manager reading a stored document
    def __init__(self, document):
        from comptoir.ged.blobs import blob_open

        self._stream = blob_open(document.blob)

    def __enter__(self) -> bytes:
        return self._stream.read()

    def __exit__(self, *exc):
        self._stream.close()


@pytest.mark.django_db
def test_company_page_loads_the_mailboxes_and_folder_page_the_channel_panels(firm_admin, company):
    client = login(firm_admin)
    assert f"/depots/entreprises/{company.pk}/boites/" in client.get(f"/entreprises/{company.pk}/").content.decode()
    folder = folder_named(company, "Achats")
    page = client.get(f"/ged/dossier/{folder.pk}/").content.decode()
    assert f"/depots/dossiers/{folder.pk}/zip/" in page
    assert f"/depots/dossiers/{folder.pk}/ajouter/" in page


def png(name: str, size: tuple[int, int]) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("1", size, 1).save(buffer, format="PNG")  # a few KB on the wire, huge once decoded
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.mark.django_db
def test_a_photo_over_the_pixel_limit_is_refused_with_its_name(client_user, company):
    folder = folder_named(company, "Achats")
    response = login(client_user).post(f"/depots/dossiers/{folder.pk}/ajouter/envoyer/", {
        "files": [photo("p1.jpg", "white"), png("enorme.png", (9000, 9900)), photo("p3.jpg", "blue")],
        "combine": "1"})
    assert response.status_code == 413
    assert "« enorme.png » est trop grande (89 mégapixels, 25 au plus)" in response.content.decode()
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_photos_too_large_together_are_refused_before_anything_is_decoded(client_user, company, settings):
    settings.COMPTOIR_PHONE_MAX_TOTAL_PIXELS = 300_000
    folder = folder_named(company, "Achats")
    response = login(client_user).post(f"/depots/dossiers/{folder.pk}/ajouter/envoyer/", {
        "files": [photo("p1.jpg", "white"), photo("p2.jpg", "red"), photo("p3.jpg", "blue")], "combine": "1"})
    assert response.status_code == 413
    assert "à partir de « p3.jpg »" in response.content.decode()
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_an_unreadable_photo_is_named(client_user, company):
    folder = folder_named(company, "Achats")
    broken = SimpleUploadedFile("floue.jpg", b"\xff\xd8\xff\xe0 not really a jpeg", content_type="image/jpeg")
    response = login(client_user).post(f"/depots/dossiers/{folder.pk}/ajouter/envoyer/", {
        "files": [photo("p1.jpg", "white"), broken], "combine": "1"})
    assert response.status_code == 400
    assert "« floue.jpg » n&#x27;est pas une photo lisible." in response.content.decode()


@pytest.mark.django_db
def test_big_photos_are_downscaled_to_a_page(client_user, company):
    folder = folder_named(company, "Achats")
    big = io.BytesIO()
    Image.new("RGB", (4000, 3000), "white").save(big, format="JPEG")
    files = [SimpleUploadedFile(f"p{i}.jpg", big.getvalue(), content_type="image/jpeg") for i in range(2)]
    response = login(client_user).post(f"/depots/dossiers/{folder.pk}/ajouter/envoyer/", {"files": files,
                                                                                          "combine": "1"})
    assert response.status_code == 201
    with document_bytes(Document.objects.get()) as data:
        assert pdf_pages(data) == 2
        assert re.search(rb"/Width 2000\b", data) and re.search(rb"/Height 1500\b", data)


@pytest.mark.django_db
def test_the_sender_page_shows_each_mailbox_rule(firm_admin, company, upflow):  # noqa: F811 - the fixture
    page = login(firm_admin).get(f"/depots/entreprises/{company.pk}/expediteurs/").content.decode()
    rules = dict(re.findall(r'data-mailbox="([a-z-]+)" data-rule="([a-z]+)"', page))
    assert rules == {"achats": "authenticated", "ventes": "strict", "banque": "authenticated",
                     "social": "authenticated", "ndf": "authenticated", "a-classer": "authenticated"}
    assert "le dossier part chez Upflow" in page
    english = login(firm_admin)
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = english.get(f"/depots/entreprises/{company.pk}/expediteurs/").content.decode()
    assert "Authenticated and allowed" in page and "Authenticated is enough" in page
