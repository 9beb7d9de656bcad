"""Search: names, folder paths and PDF text layers are found as soon as the deposit returns; words
match as prefixes, without case or accents; results stay within what the user may see."""

import io

import pytest

from comptoir.ged.search.selectors import document_search_for_user
from comptoir.ged.services import document_move, document_rename, folder_rename
from tests.factories import deposit_pdf, folder_named

pytestmark = pytest.mark.django_db


def _pdf_with_text(text: str) -> bytes:
    """A real one-page PDF whose text layer says `text` (drawn by PDFium itself)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    pdf = pdfium.PdfDocument.new()
    page = pdf.new_page(595, 842)
    text_object = raw.FPDFPageObj_NewTextObj(pdf, b"Helvetica", 12.0)
    encoded = (text + "\x00").encode("utf-16-le")
    raw.FPDFText_SetText(text_object, (raw.FPDF_WCHAR * (len(encoded) // 2)).from_buffer_copy(encoded))
    raw.FPDFPageObj_Transform(text_object, 1, 0, 0, 1, 50, 700)
    raw.FPDFPage_InsertObject(page, text_object)
    raw.FPDFPage_GenerateContent(page)

    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _names(hits) -> set[str]:
    return {hit.document.name for hit in hits}


def test_name_is_found_by_prefix_without_case_or_accents(company, firm_admin):
    deposit_pdf(folder_named(company, "Ventes"), actor=firm_admin, name="Relevé-Électricité_2026.pdf")
    deposit_pdf(folder_named(company, "Ventes"), actor=firm_admin, name="autre.pdf")
    assert _names(document_search_for_user(user=firm_admin, query="releve electr")) == {"Relevé-Électricité_2026.pdf"}
    assert _names(document_search_for_user(user=firm_admin, query="ÉLEC 2026")) == {"Relevé-Électricité_2026.pdf"}
    assert document_search_for_user(user=firm_admin, query="electricite gaz") == []


def test_pdf_text_layer_is_searchable_as_soon_as_deposited(company, firm_admin):
    deposit_pdf(folder_named(company, "Ventes"), actor=firm_admin, name="scan.pdf",
                content=_pdf_with_text("Facture numero FA-2026-0042 Boulangerie Dupont"))
    hits = document_search_for_user(user=firm_admin, query="dupont fa 0042")
    assert _names(hits) == {"scan.pdf"}
    assert "Dupont" in hits[0].snippet and "⟦" not in hits[0].snippet
    assert any(highlighted for _text, highlighted in hits[0].snippet_parts)


def test_folder_path_words_find_documents_and_follow_renames_and_moves(company, firm_admin):
    ventes, achats = folder_named(company, "Ventes"), folder_named(company, "Achats")
    document = deposit_pdf(ventes, actor=firm_admin, name="piece.pdf")
    assert _names(document_search_for_user(user=firm_admin, query="ventes piece")) == {"piece.pdf"}
    document_move(document=document, folder=achats, actor=firm_admin)
    assert document_search_for_user(user=firm_admin, query="ventes piece") == []
    assert _names(document_search_for_user(user=firm_admin, query="achats piece")) == {"piece.pdf"}
    folder_rename(folder=achats, name="Fournisseurs", actor=firm_admin)
    assert _names(document_search_for_user(user=firm_admin, query="fournis piece")) == {"piece.pdf"}
    document_rename(document=document, name="quittance.pdf", actor=firm_admin)
    assert _names(document_search_for_user(user=firm_admin, query="quittance")) == {"quittance.pdf"}


def test_client_never_finds_firm_only_or_other_companies_documents(company, firm_admin, client_user,
                                                                   other_client_user, other_firm_admin):
    firm_only = company.folders.filter(firm_only=True).first()
    assert firm_only is not None
    deposit_pdf(firm_only, actor=firm_admin, name="honoraires-secret.pdf")
    deposit_pdf(folder_named(company, "Ventes"), actor=firm_admin, name="honoraires-publics.pdf")
    assert _names(document_search_for_user(user=firm_admin, query="honoraires")) == {
        "honoraires-secret.pdf", "honoraires-publics.pdf"}
    assert _names(document_search_for_user(user=client_user, query="honoraires")) == {"honoraires-publics.pdf"}
    assert document_search_for_user(user=other_client_user, query="honoraires") == []
    assert document_search_for_user(user=other_firm_admin, query="honoraires") == []


def test_trashed_documents_are_not_found_and_folder_filter_covers_the_subtree(company, firm_admin):
    from comptoir.ged.services import document_trash

    ventes = folder_named(company, "Ventes")
    month = ventes.children.order_by("position").first()
    deposit_pdf(month, actor=firm_admin, name="mois.pdf")
    trashed = deposit_pdf(month, actor=firm_admin, name="mois-jete.pdf")
    document_trash(document=trashed, actor=firm_admin)
    deposit_pdf(folder_named(company, "Achats"), actor=firm_admin, name="mois-achat.pdf")
    assert _names(document_search_for_user(user=firm_admin, query="mois", folder=ventes)) == {"mois.pdf"}
    assert _names(document_search_for_user(user=firm_admin, query="mois")) == {"mois.pdf", "mois-achat.pdf"}


def test_a_match_in_the_name_ranks_above_one_in_the_text(company, firm_admin):
    ventes = folder_named(company, "Ventes")
    in_name = deposit_pdf(ventes, actor=firm_admin, name="quittance-loyer.pdf")
    deposit_pdf(ventes, actor=firm_admin, name="courrier.pdf", content=_pdf_with_text("Votre quittance du mois"))
    hits = document_search_for_user(user=firm_admin, query="quittance")
    assert [hit.document.pk for hit in hits][0] == in_name.pk and len(hits) == 2


def test_search_reindex_command_indexes_documents_that_predate_the_index(company, firm_admin):
    from django.core.management import call_command
    from django.db import connection

    deposit_pdf(folder_named(company, "Ventes"), actor=firm_admin, name="ancien-releve.pdf")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM ged_search")
    assert document_search_for_user(user=firm_admin, query="ancien") == []
    out = io.StringIO()
    call_command("search_reindex", stdout=out)
    assert "1 documents indexed" in out.getvalue()
    assert _names(document_search_for_user(user=firm_admin, query="ancien")) == {"ancien-releve.pdf"}
