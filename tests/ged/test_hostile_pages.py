"""A page may claim any size: rendering and OCR stay within their budgets of pixels and time, and
the render process keeps the worker's limits (issue #22, finding 3)."""

import io
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image

from comptoir.ged import render, render_process
from comptoir.ged.models import ExtractState
from comptoir.ged.services.extracts import document_extract_run
from tests.conftest import login
from tests.factories import deposit_pdf, folder_named

pytestmark = pytest.mark.django_db


def hostile_pdf(width: float, height: float) -> bytes:
    """A tiny, valid, empty PDF whose one page claims `width` × `height` points."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %g %g] >>" % (width, height)]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 4\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def test_a_ribbon_page_is_previewed_within_the_pixel_budget(company, firm_admin):
    """2 × 14,400 points: 145 × 1,039,231 pixels (150 MP) before; now within PREVIEW_MAX_PIXELS and MAX_SIDE."""
    content = hostile_pdf(2, 14400)
    assert len(content) < 600
    document = deposit_pdf(folder_named(company, "Achats"), actor=firm_admin, name="ruban.pdf", content=content)
    page = login(firm_admin).get(reverse("ged:page_image", args=[document.pk]), {"page": 1})
    assert page["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(page.content))
    assert image.width * image.height <= render.PREVIEW_MAX_PIXELS
    assert max(image.size) <= render.MAX_SIDE
    document_extract_run(document_id=document.pk)
    document.extract.refresh_from_db()
    assert document.extract.thumbnail_state == ExtractState.READY


@pytest.mark.embedded_only
def test_a_huge_square_page_is_read_at_the_ocr_budget_not_at_200_dpi(tmp_path):
    """4,409 points square is 12,248 pixels a side at 200 dpi (150 MP, 15.8 s of Tesseract when blank)."""
    path = tmp_path / "carre.pdf"
    path.write_bytes(hostile_pdf(4409, 4409))
    [image] = render.pdf_pages(path, scale=render.OCR_DPI / 72, max_pixels=render.OCR_MAX_PIXELS, max_pages=10)
    assert image.width * image.height <= render.OCR_MAX_PIXELS
    assert render.ocr_text(path=str(path), content_type="application/pdf") == ("", 1)


@pytest.mark.embedded_only
def test_ocr_stops_when_its_time_budget_is_spent(tmp_path):
    path = tmp_path / "scan.pdf"
    pages = [Image.new("L", (1654, 2339), 255) for _ in range(3)]
    pages[0].save(path, format="PDF", save_all=True, append_images=pages[1:])
    assert render.ocr_text(path=str(path), content_type="application/pdf", time_budget=0.5) == ("", 0)


@pytest.mark.embedded_only
def test_the_render_process_is_niced_limited_and_replaced_after_a_timeout(tmp_path):
    path = Path(tmp_path / "page.pdf")
    path.write_bytes(hostile_pdf(595, 842))
    assert render_process.render_call("thumbnail_png", path=str(path), content_type="application/pdf")
    child = render_process._child.process.pid
    limits = Path(f"/proc/{child}/limits").read_text()
    address_space = next(line for line in limits.splitlines() if line.startswith("Max address space"))
    assert str(render_process.RENDER_MEMORY_BYTES) in address_space
    nice = int(Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[16])
    assert nice >= render_process.NICE
    with pytest.raises(render_process.RenderFailed, match="more than"):
        render_process.render_call("ocr_text", path=str(path), content_type="application/pdf", timeout=0.001)
    # The stuck child was killed; the next call gets a fresh one.
    assert render_process.render_call("thumbnail_png", path=str(path), content_type="application/pdf")
    assert render_process._child.process.pid != child
