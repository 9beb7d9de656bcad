from datetime import date

import pytest
from django.core.files.base import ContentFile

from comptoir.ged.events import document_entered_subscribed
from comptoir.ged.filetypes import UnsupportedFileType
from comptoir.ged.models import Folder
from comptoir.ged.services import document_copy, document_deposit, document_move
from tests.conftest import stored_keys
from tests.factories import CompanyFactory, deposit_pdf, folder_named


def test_template_lays_month_folders_for_fiscal_year_starting_in_july(firm):
    company = CompanyFactory(firm=firm, fiscal_year_start=date(2026, 7, 1), fiscal_year_end=date(2027, 6, 30))
    annual = Folder.objects.get(company=company, parent=None, role="annual")
    assert annual.name == "Exercice 2026-2027"
    names = [f.name for f in Folder.objects.filter(parent=annual).order_by("position")]
    assert names == ["Achats", "Ventes", "Banque", "Notes de frais", "Social", "Fiscal", "Juridique", "À classer"]
    months = list(Folder.objects.filter(parent=folder_named(company, "Ventes")).order_by("position"))
    assert [m.name for m in months][:2] == ["01 – Juillet 2026", "02 – Août 2026"]
    assert months[-1].name == "12 – Juin 2027"
    assert Folder.objects.filter(company=company, firm_only=True).count() == 2


def test_every_way_in_publishes_document_entered(company, firm_admin):
    events = []
    ventes, achats = folder_named(company, "Ventes"), folder_named(company, "Achats")
    with document_entered_subscribed(events.append):
        document = deposit_pdf(ventes, actor=firm_admin)
        document_move(document=document, folder=achats, actor=firm_admin)
        document_copy(document=document, folder=ventes, actor=firm_admin)
    assert [(e.kind, e.folder.name) for e in events] == [("deposit", "Ventes"), ("move", "Achats"),
                                                         ("copy", "Ventes")]


def test_executable_named_pdf_is_refused_and_leaves_nothing(company, firm_admin, settings):
    ventes = folder_named(company, "Ventes")
    with pytest.raises(UnsupportedFileType, match="exécutable"):
        document_deposit(folder=ventes, file=ContentFile(b"MZ\x90\x00" + b"\x00" * 200), channel="web",
                         actor=firm_admin, filename="facture.pdf")
    assert not ventes.documents.exists()
    assert stored_keys() == []


def test_web_and_api_uploads_publish_document_entered(company, firm_admin):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.api.conftest import ApiClient
    from tests.conftest import login
    from tests.factories import PDF_BYTES

    events = []
    ventes = folder_named(company, "Ventes")
    with document_entered_subscribed(events.append):
        web = login(firm_admin).post(f"/ged/dossier/{ventes.pk}/televerser/",
                                     {"file": SimpleUploadedFile("web.pdf", PDF_BYTES)})
        api = ApiClient(firm_admin).upload(f"/folders/{ventes.pk}/documents", "api.pdf", PDF_BYTES)
    assert web.status_code in (200, 201, 302) and api.status_code == 201
    assert [(e.kind, e.document.name, e.document.channel) for e in events] == [
        ("deposit", "web.pdf", "web"), ("deposit", "api.pdf", "api")]
