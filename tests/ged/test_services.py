"""The GED services: folders and documents created, renamed, moved, copied, trashed and restored; their
refusals (bad names, a folder into itself, another company or firm) and no partial state on failure."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import Http404

from comptoir.core.errors import PermissionDenied
from comptoir.ged.events import document_entered_subscribed
from comptoir.ged.filetypes import UnsupportedFileType
from comptoir.ged.models import Document, Folder
from comptoir.ged.selectors import document_get_for_user, folder_get_for_user
from comptoir.ged.services import (
    document_copy,
    document_deposit,
    document_move,
    document_rename,
    document_restore,
    document_trash,
    folder_create,
    folder_move,
    folder_rename,
    folder_restore,
    folder_trash,
)
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


# --- folders: create, rename, move, trash, restore ------------------------------------------------

def _audit(action: str) -> list[dict]:
    from comptoir.core.models import AuditEvent

    return list(AuditEvent.objects.filter(action=action).values_list("data", flat=True))


def test_folder_create_rename_move_keep_the_tree_and_its_paths(company, firm_admin):
    achats = folder_named(company, "Achats")
    parent = folder_create(company=company, parent=achats, name="  Fournisseurs  ", actor=firm_admin)
    child = folder_create(company=company, parent=parent, name="EDF", actor=firm_admin)
    assert (parent.name, parent.depth, child.depth) == ("Fournisseurs", achats.depth + 1, achats.depth + 2)
    assert child.path == f"{achats.path}{parent.pk}/{child.pk}/"

    folder_rename(folder=parent, name="Fournisseurs 2026", actor=firm_admin)
    ventes = folder_named(company, "Ventes")
    folder_move(folder=parent, new_parent=ventes, actor=firm_admin)

    child.refresh_from_db()
    assert child.path == f"{ventes.path}{parent.pk}/{child.pk}/" and child.depth == ventes.depth + 2
    assert Folder.objects.get(pk=parent.pk).parent_id == ventes.pk
    assert not Folder.objects.filter(parent=achats, name__startswith="Fournisseurs").exists()
    assert _audit("folder.rename") == [{"from": "Fournisseurs", "to": "Fournisseurs 2026"}]
    assert _audit("folder.move") == [{"to": ventes.pk}]


@pytest.mark.parametrize("name", ["", "   ", "..", "\x00"])
def test_a_folder_without_a_usable_name_is_refused_and_nothing_is_written(company, firm_admin, name):
    achats = folder_named(company, "Achats")
    before = Folder.objects.count()
    with pytest.raises(ValidationError, match="vide ou invalide"):
        folder_create(company=company, parent=achats, name=name, actor=firm_admin)
    with pytest.raises(ValidationError, match="vide ou invalide"):
        folder_rename(folder=achats, name=name, actor=firm_admin)
    assert Folder.objects.count() == before
    assert Folder.objects.get(pk=achats.pk).name == "Achats"
    assert _audit("folder.create") == [] and _audit("folder.rename") == []


def test_a_sibling_name_already_taken_is_refused_for_create_rename_and_move(company, firm_admin):
    achats, ventes = folder_named(company, "Achats"), folder_named(company, "Ventes")
    folder_create(company=company, parent=achats, name="Divers", actor=firm_admin)
    other = folder_create(company=company, parent=ventes, name="Divers", actor=firm_admin)
    with pytest.raises(ValidationError, match="existe déjà"):
        folder_create(company=company, parent=achats, name="Divers", actor=firm_admin)
    with pytest.raises(ValidationError, match="existe déjà"):
        folder_rename(folder=achats, name="Ventes", actor=firm_admin)
    with pytest.raises(ValidationError, match="existe déjà"):
        folder_move(folder=other, new_parent=achats, actor=firm_admin)
    assert Folder.objects.get(pk=other.pk).parent_id == ventes.pk
    assert Folder.objects.filter(parent=achats, name="Divers").count() == 1


def test_a_folder_cannot_move_into_itself_or_below_itself(company, firm_admin):
    achats = folder_named(company, "Achats")
    child = folder_create(company=company, parent=achats, name="EDF", actor=firm_admin)
    paths = dict(Folder.objects.filter(company=company).values_list("pk", "path"))
    for target in (achats, child):
        with pytest.raises(ValidationError, match="dans lui-même"):
            folder_move(folder=achats, new_parent=target, actor=firm_admin)
    assert dict(Folder.objects.filter(company=company).values_list("pk", "path")) == paths


def test_folders_never_cross_companies_nor_firms(company, other_company, firm_admin, other_firm_admin):
    achats, theirs = folder_named(company, "Achats"), folder_named(other_company, "Achats")
    with pytest.raises(ValidationError, match="autre entreprise"):
        folder_create(company=company, parent=theirs, name="Intrus", actor=firm_admin)
    with pytest.raises(ValidationError, match="autre entreprise"):
        folder_move(folder=achats, new_parent=theirs, actor=firm_admin)
    # Another firm's admin never gets hold of this company's folders: the selectors every caller
    # goes through (views, API) answer "not found".
    with pytest.raises(Http404):
        folder_get_for_user(user=other_firm_admin, folder_id=achats.pk)
    achats.refresh_from_db()
    assert (achats.name, achats.deleted_at, achats.company_id) == ("Achats", None, company.pk)
    assert not Folder.objects.filter(name="Intrus").exists()


def test_trashing_a_folder_takes_its_subtree_and_restoring_brings_back_that_batch_only(company, firm_admin):
    achats = folder_named(company, "Achats")
    child = folder_create(company=company, parent=achats, name="EDF", actor=firm_admin)
    trashed_before = folder_create(company=company, parent=child, name="Ancien", actor=firm_admin)
    folder_trash(folder=trashed_before, actor=firm_admin)
    document = deposit_pdf(child, actor=firm_admin)

    folder_trash(folder=achats, actor=firm_admin)
    subtree = Folder.objects.filter(path__startswith=achats.path)
    assert subtree.filter(deleted_at__isnull=True).count() == 0
    with pytest.raises(ValidationError, match="corbeille"):
        deposit_pdf(Folder.objects.get(pk=child.pk), actor=firm_admin)  # nothing enters a folder in the trash
    with pytest.raises(ValidationError, match="parent"):
        folder_restore(folder=Folder.objects.get(pk=child.pk), actor=firm_admin)

    folder_restore(folder=Folder.objects.get(pk=achats.pk), actor=firm_admin)
    assert set(subtree.filter(deleted_at__isnull=True).values_list("name", flat=True)) >= {"Achats", "EDF"}
    assert Folder.objects.get(pk=trashed_before.pk).deleted_at is not None, "trashed on its own, stays there"
    assert Document.objects.get(pk=document.pk).folder_id == child.pk


def test_a_folder_is_not_restored_over_a_new_one_of_the_same_name(company, firm_admin):
    achats = folder_named(company, "Achats")
    old = folder_create(company=company, parent=achats, name="EDF", actor=firm_admin)
    folder_trash(folder=old, actor=firm_admin)
    folder_create(company=company, parent=achats, name="EDF", actor=firm_admin)
    with pytest.raises(ValidationError, match="existe déjà"):
        folder_restore(folder=Folder.objects.get(pk=old.pk), actor=firm_admin)
    assert Folder.objects.get(pk=old.pk).deleted_at is not None


# --- documents: rename, move, copy, trash, restore -------------------------------------------------

def test_document_rename_cleans_the_name_and_refuses_an_empty_one(company, firm_admin):
    document = deposit_pdf(folder_named(company, "Achats"), actor=firm_admin, name="scan.pdf")
    document_rename(document=document, name="dossier/Facture EDF.pdf", actor=firm_admin)
    assert Document.objects.get(pk=document.pk).name == "Facture EDF.pdf"
    for bad in ("", "  ", ".."):
        with pytest.raises(ValidationError, match="vide ou invalide"):
            document_rename(document=document, name=bad, actor=firm_admin)
    assert Document.objects.get(pk=document.pk).name == "Facture EDF.pdf"


def test_documents_never_move_or_copy_to_another_company(company, other_company, firm_admin):
    document = deposit_pdf(folder_named(company, "Achats"), actor=firm_admin)
    theirs = folder_named(other_company, "Achats")
    keys = stored_keys()
    with pytest.raises(ValidationError, match="autre entreprise"):
        document_move(document=document, folder=theirs, actor=firm_admin)
    with pytest.raises(ValidationError, match="autre entreprise"):
        document_copy(document=document, folder=theirs, actor=firm_admin)
    assert not theirs.documents.exists()
    assert Document.objects.get(pk=document.pk).folder.name == "Achats"
    assert stored_keys() == keys


def test_a_client_may_not_rename_move_or_trash_a_document_and_another_firm_does_not_see_it(
        company, firm_admin, client_user, other_firm_admin):
    document = deposit_pdf(folder_named(company, "Achats"), actor=firm_admin)
    ventes = folder_named(company, "Ventes")
    for act in (lambda: document_rename(document=document, name="x.pdf", actor=client_user),
                lambda: document_move(document=document, folder=ventes, actor=client_user),
                lambda: document_trash(document=document, actor=client_user)):
        with pytest.raises(PermissionDenied):
            act()
    with pytest.raises(Http404):
        document_get_for_user(user=other_firm_admin, document_id=document.pk)
    document.refresh_from_db()
    assert (document.name, document.folder.name, document.deleted_at) == ("facture.pdf", "Achats", None)


def test_a_copy_has_its_own_bytes_and_the_original_is_untouched(company, firm_admin):
    document = deposit_pdf(folder_named(company, "Achats"), actor=firm_admin)
    copy = document_copy(document=document, folder=folder_named(company, "Ventes"), actor=firm_admin)
    assert copy.pk != document.pk and copy.blob != document.blob
    assert (copy.sha256, copy.lineage, copy.source) == (document.sha256, document.lineage,
                                                        {"copied_from": document.pk})
    assert sorted(stored_keys()) == sorted([document.blob, copy.blob])
    document_trash(document=copy, actor=firm_admin)
    assert Document.objects.get(pk=document.pk).deleted_at is None


def test_a_copy_that_fails_inside_its_transaction_leaves_no_row_and_no_bytes(company, firm_admin):
    document = deposit_pdf(folder_named(company, "Achats"), actor=firm_admin)
    ventes = folder_named(company, "Ventes")
    keys = stored_keys()

    def refuse(entry):
        raise RuntimeError("a subscriber failed")

    with document_entered_subscribed(refuse), pytest.raises(RuntimeError):
        document_copy(document=document, folder=ventes, actor=firm_admin)
    assert not ventes.documents.exists()
    assert stored_keys() == keys
    assert _audit("document.copy") == []


def test_a_move_that_fails_inside_its_transaction_stays_where_it_was(company, firm_admin):
    document = deposit_pdf(folder_named(company, "Achats"), actor=firm_admin)
    ventes = folder_named(company, "Ventes")

    def refuse(entry):
        raise RuntimeError("a subscriber failed")

    with document_entered_subscribed(refuse), pytest.raises(RuntimeError):
        document_move(document=document, folder=ventes, actor=firm_admin)
    assert Document.objects.get(pk=document.pk).folder.name == "Achats"
    assert _audit("document.move") == []


def test_trash_and_restore_a_document_and_refuse_it_while_its_folder_is_in_the_trash(company, firm_admin):
    achats = folder_named(company, "Achats")
    child = folder_create(company=company, parent=achats, name="EDF", actor=firm_admin)
    document = deposit_pdf(child, actor=firm_admin)
    document_trash(document=document, actor=firm_admin)
    assert Document.objects.get(pk=document.pk).deleted_at is not None
    folder_trash(folder=child, actor=firm_admin)
    with pytest.raises(ValidationError, match="restaurez-le d'abord"):
        document_restore(document=Document.objects.get(pk=document.pk), actor=firm_admin)
    assert Document.objects.get(pk=document.pk).deleted_at is not None
    folder_restore(folder=Folder.objects.get(pk=child.pk), actor=firm_admin)
    document_restore(document=Document.objects.get(pk=document.pk), actor=firm_admin)
    restored = Document.objects.get(pk=document.pk)
    assert (restored.deleted_at, restored.folder_id) == (None, child.pk)


def test_nothing_moves_or_is_copied_into_a_trashed_folder_or_an_archived_company(company, firm_admin):
    from django.utils import timezone

    document = deposit_pdf(folder_named(company, "Achats"), actor=firm_admin)
    bin_folder = folder_create(company=company, parent=folder_named(company, "Ventes"), name="Vieux",
                               actor=firm_admin)
    folder_trash(folder=bin_folder, actor=firm_admin)
    bin_folder = Folder.objects.get(pk=bin_folder.pk)
    for act in (document_move, document_copy):
        with pytest.raises(ValidationError, match="corbeille"):
            act(document=document, folder=bin_folder, actor=firm_admin)
    company.archived_at = timezone.now()
    company.save(update_fields=["archived_at"])
    ventes = folder_named(company, "Ventes")
    with pytest.raises(ValidationError, match="archivée"):
        document_copy(document=document, folder=ventes, actor=firm_admin)
    assert Document.objects.filter(company=company).count() == 1
