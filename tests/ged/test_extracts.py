"""Thumbnails and OCR happen in the worker after the deposit (never in the request), with real
PDFium and Tesseract; the OCR text then joins the search index."""

import io

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from PIL import Image, ImageDraw, ImageFont

from comptoir.ged.models import DocumentExtract, ExtractState
from comptoir.ged.search.selectors import document_search_for_user
from comptoir.ged.services import document_deposit
from comptoir.ged.services.extracts import document_extract_run
from comptoir.ged.tasks import document_extract_process
from tests.conftest import login
from tests.factories import deposit_pdf, folder_named

pytestmark = pytest.mark.django_db


def scanned_png(text: str) -> bytes:
    """A "scan": the words exist only as pixels, drawn by Pillow."""
    image = Image.new("RGB", (1400, 300), "white")
    ImageDraw.Draw(image).text((40, 90), text, fill="black", font=ImageFont.load_default(size=72))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _pending_task_ids() -> list[list]:
    return [result.args_kwargs["args"] for result in DBTaskResult.objects.filter(
        task_path=document_extract_process.module_path)]


def test_a_scanned_word_is_found_after_ocr_in_the_background(company, firm_admin):
    month = folder_named(company, "Achats").children.order_by("position").first()
    document = document_deposit(folder=month, file=ContentFile(scanned_png("Quittance Zanzibar"), name="scan.png"),
                                channel="scanner", actor=firm_admin, filename="scan.png")
    # At deposit: queued for the worker, not read yet.
    assert _pending_task_ids() == [[document.pk]]
    assert document.extract.ocr_state == ExtractState.PENDING
    assert document_search_for_user(user=firm_admin, query="zanzibar") == []
    assert document_extract_run(document_id=document.pk).startswith("thumbnail=ready ocr=ready")
    hits = document_search_for_user(user=firm_admin, query="zanzib")
    assert [hit.document.pk for hit in hits] == [document.pk]
    assert "Zanzibar" in hits[0].snippet


def test_thumbnail_of_a_pdf_first_page_is_served_after_the_worker_made_it(company, firm_admin):
    from tests.ged.test_search import _pdf_with_text

    document = deposit_pdf(folder_named(company, "Achats"), actor=firm_admin, name="typed.pdf",
                           content=_pdf_with_text("Bonjour"))
    client = login(firm_admin)
    placeholder = client.get(reverse("ged:thumbnail", args=[document.pk]))
    assert placeholder["Content-Type"] == "image/svg+xml"
    assert document.extract.ocr_state == ExtractState.NONE  # it has a text layer: nothing to OCR
    document_extract_run(document_id=document.pk)
    response = client.get(reverse("ged:thumbnail", args=[document.pk]))
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert image.width <= 240 and image.height <= 320 and image.height > image.width
    page = client.get(reverse("ged:folder", args=[document.folder_id])).content.decode()
    assert reverse("ged:thumbnail", args=[document.pk]) in page


def test_a_broken_image_fails_its_extract_but_never_the_deposit(company, firm_admin):
    broken = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
    document = document_deposit(folder=folder_named(company, "Achats"), file=ContentFile(broken, name="x.png"),
                                channel="web", actor=firm_admin, filename="x.png")
    document_extract_run(document_id=document.pk)
    extract = DocumentExtract.objects.get(document=document)
    assert (extract.thumbnail_state, extract.ocr_state) == (ExtractState.FAILED, ExtractState.FAILED)
    assert document_search_for_user(user=firm_admin, query="x")[0].document.pk == document.pk


def test_other_types_get_no_preview_work(company, firm_admin):
    document = document_deposit(folder=folder_named(company, "Achats"), file=ContentFile(b"a;b\n1;2\n", name="t.csv"),
                                channel="web", actor=firm_admin, filename="t.csv")
    assert (document.extract.thumbnail_state, document.extract.ocr_state) == (ExtractState.NONE, ExtractState.NONE)
    assert _pending_task_ids() == []


def test_the_preview_pane_pages_through_a_pdf_as_images(company, firm_admin):
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    for _ in range(3):
        pdf.new_page(595, 842)
    out = io.BytesIO()
    pdf.save(out)
    document = deposit_pdf(folder_named(company, "Achats"), actor=firm_admin, name="trois.pdf", content=out.getvalue())
    assert document.extract.page_count == 3
    client = login(firm_admin)
    pane = client.get(reverse("ged:document", args=[document.pk]), headers={"HX-Request": "true"}).content.decode()
    assert 'data-pages="3"' in pane
    page = client.get(reverse("ged:page_image", args=[document.pk]), {"page": 3})
    assert page["Content-Type"] == "image/png" and Image.open(io.BytesIO(page.content)).width == 1000
    assert client.get(reverse("ged:page_image", args=[document.pk]), {"page": 4}).status_code == 404
