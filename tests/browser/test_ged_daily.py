"""The GED for daily work, in Chromium: a folder shows what it holds, any document is found (even a
word only present in a scan's pixels, after OCR), many documents are acted on at once through the
same services as one, and the page follows what happens without a reload."""

import io
import json
import re
import time
import zipfile

import pytest
from PIL import Image, ImageDraw, ImageFont
from playwright.sync_api import Page, expect

from tests.browser.ged_seed import UPFLOW_ADDRESS
from tests.browser.seed import ADMIN_EMAIL, ADMIN_PASSWORD, CLIENT_EMAIL, CLIENT_PASSWORD, pdf_bytes

pytestmark = pytest.mark.browser
MAIL_TIMEOUT = 30.0
OCR_TIMEOUT = 60.0
SCANNED_WORD = "Zanzibar"


@pytest.fixture(scope="module")
def ged(comptoir):
    out = comptoir.manage("shell", "-c", "from tests.browser.ged_seed import main; main()")
    return json.loads(next(line for line in out.splitlines() if line.startswith("GED "))[4:])


def _open_ged(page: Page, comptoir) -> None:
    page.goto(f"/ged/entreprise/{comptoir.seed['company_id']}/")
    expect(page.get_by_role("heading", level=1, name=re.compile("Dossier comptable annuel"))).to_be_visible()


def _open_folder(page: Page, name: str) -> None:
    page.get_by_role("tree").get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()


def _row(page: Page, name: str):
    return page.locator("#documents tr.doc-row").filter(has=page.get_by_role("link", name=name, exact=True))


def _attachments(smtp, filename: str) -> list:
    return [message for message in smtp.messages
            if any(part.get_filename() == filename for part in message.iter_attachments())]


def _scan_png(text: str) -> bytes:
    image = Image.new("RGB", (1400, 300), "white")
    ImageDraw.Draw(image).text((40, 90), text, fill="black", font=ImageFont.load_default(size=72))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_01_ventes_shows_its_months_with_counts_and_the_whole_subtree(admin, comptoir, ged):
    page = admin.page
    admin.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    _open_ged(page, comptoir)
    _open_folder(page, "Ventes")
    first_month = page.locator("tr.subfolder").filter(has_text=ged["sales_months"][0])
    # The month holds the seed's invoice from before activation and the two old sales.
    expect(first_month.locator("td.count").first).to_have_text("3")
    expect(page.locator("tr.subfolder")).to_have_count(len(ged["sales_months"]))
    expect(page.get_by_text("Ce dossier ne contient aucun document.")).to_have_count(0)
    admin.screenshot("07-folder-view.png")
    page.get_by_label("Inclure les sous-dossiers").check()
    expect(page).to_have_url(re.compile(r"sous_dossiers=1"))
    names = {"facture-avant-activation.pdf"} | {item["name"] for item in ged["before"]}
    for name in names:
        expect(_row(page, name)).to_be_visible()
        expect(_row(page, name).locator(".doc-place")).to_contain_text(ged["sales_months"][0])
    expect(_row(page, "vente-ancienne-1.pdf").locator(".doc-type .badge")).to_have_text("PDF")
    assert admin.errors == []


def test_01b_a_50_row_page_makes_at_most_5_requests_after_the_document(admin, comptoir):
    """Rows come with their panels (invoice, badges, receivable) in the page; thumbnails load by URL, lazily."""
    page = admin.page
    _open_ged(page, comptoir)
    _open_folder(page, "Relevés")
    requests = []
    page.on("request", lambda request: requests.append(request))
    page.reload(wait_until="networkidle")
    expect(page.locator("#documents tr.doc-row")).to_have_count(50)
    counted = [r.url for r in requests if r.resource_type not in ("document", "stylesheet", "script", "image", "font")]
    assert len(counted) <= 5, f"{len(counted)} requests after the document: {counted}"
    assert page.locator("#documents img[loading=lazy]").count() == page.locator("#documents .doc-thumb img").count()


def test_02_move_picker_has_full_paths_and_a_bulk_move_delivers_each_once(admin, comptoir, ged, smtp):
    page = admin.page
    page.goto(f"/ged/entreprise/{comptoir.seed['company_id']}/")
    _open_folder(page, "Achats")
    _open_folder(page, ged["purchase_month"])
    picker = page.locator("#bulk-target")
    same_name = ged["purchase_month"]
    options = picker.locator("option").all_inner_texts()
    assert f"{ged['annual']} / Achats / {same_name}" in options
    assert f"{ged['annual']} / Ventes / {same_name}" in options
    target = f"{ged['annual']} / Ventes / {ged['sales_months'][2]}"
    page.get_by_placeholder("Filtrer les dossiers…").first.fill("ventes " + ged["sales_months"][2][:2])
    expect(picker.locator("option:not([hidden])")).to_have_count(1)
    picker.select_option(label=target)
    names = [item["name"] for item in ged["purchases"]]
    _row(page, names[0]).locator(".doc-check").check()
    _row(page, names[2]).locator(".doc-check").click(modifiers=["Shift"])  # a range: the middle one too
    expect(page.locator("[data-bulk-count]")).to_have_text("3")
    page.locator("#bulk-form").get_by_role("button", name="Déplacer", exact=True).click()
    expect(page.get_by_role("status").filter(has_text=f"3 documents déplacés vers « {target} »")).to_be_visible()
    for name in names:
        smtp.wait_until(lambda _messages, name=name: len(_attachments(smtp, name)) >= 1, timeout=MAIL_TIMEOUT,
                        what=f"the delivery of {name}")
        assert _attachments(smtp, name)[0]["To"] == UPFLOW_ADDRESS
    time.sleep(2)  # a second send would arrive within the worker's poll interval
    assert [len(_attachments(smtp, name)) for name in names] == [1, 1, 1]
    assert admin.errors == []


def test_03_bulk_zip_download_has_the_exact_bytes(admin, ged):
    page = admin.page
    _open_folder(page, "Ventes")  # the months of Achats and Ventes have the same names
    _open_folder(page, ged["sales_months"][2])
    page.locator("[data-select-page]").check()
    with page.expect_download() as info:
        page.locator("#bulk-form").get_by_role("button", name="Télécharger (zip)").click()
    archive = zipfile.ZipFile(info.value.path())
    names = [item["name"] for item in ged["purchases"]]
    assert sorted(archive.namelist()) == sorted(names)
    for name in names:
        assert archive.read(name) == pdf_bytes(name)


def test_04_badges_turn_sent_after_a_backfill_without_reload(admin, ged, smtp):
    page = admin.page
    _open_folder(page, "Ventes")
    _open_folder(page, ged["sales_months"][0])
    old = [item["name"] for item in ged["before"]]
    for name in old:
        expect(_row(page, name).get_by_text(re.compile(r"Upflow\s*:"))).to_have_count(0)
    page.get_by_role("button", name="Envoyer les documents déjà présents").click()
    page.get_by_role("button", name="Confirmer l'envoi").click()
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    for name in old:
        expect(_row(page, name).get_by_text(re.compile(r"Upflow\s*:\s*envoyé"))).to_be_visible(timeout=40_000)
    assert navigations == []  # no reload: the list followed by itself
    assert all(len(_attachments(smtp, name)) == 1 for name in old)


def test_05_a_word_only_in_a_scan_is_found_after_ocr(admin, comptoir):
    page = admin.page
    _open_ged(page, comptoir)
    _open_folder(page, "Achats")
    page.locator("input[type=file][name=file]").set_input_files(
        files=[{"name": "scan-caisse.png", "mimeType": "image/png", "buffer": _scan_png(f"Quittance {SCANNED_WORD}")}])
    expect(_row(page, "scan-caisse.png")).to_be_visible()
    search = page.get_by_placeholder("Rechercher un document…")
    deadline = time.monotonic() + OCR_TIMEOUT
    while True:
        search.fill(SCANNED_WORD.lower()[:6])
        search.press("Enter")
        expect(page.get_by_role("heading", name="Rechercher un document")).to_be_visible()
        if page.locator(".search-hit").filter(has_text="scan-caisse.png").count():
            break
        assert time.monotonic() < deadline, "the scanned word was never found: OCR did not run in the worker?"
        page.wait_for_timeout(1000)
    hit = page.locator(".search-hit").filter(has_text="scan-caisse.png")
    expect(hit.locator("mark")).to_contain_text(re.compile(SCANNED_WORD, re.I))
    expect(hit.locator(".hit-path")).to_contain_text("Achats")
    admin.screenshot("08-search.png")


def test_06_preview_pane_opens_in_the_folder_with_next_and_previous(admin, comptoir, ged):
    page = admin.page
    _open_ged(page, comptoir)
    _open_folder(page, "Ventes")
    _open_folder(page, ged["sales_months"][2])
    page.locator("#documents .doc-name").first.click()
    pane = page.locator("#preview .preview-pane")
    expect(pane).to_be_visible()
    shown = pane.locator("strong").inner_text()
    page.get_by_role("button", name="Document suivant").click()
    expect(pane.locator("strong")).not_to_have_text(shown)
    expect(page).to_have_url(re.compile(r"/ged/dossier/\d+/$"))  # never left the folder
    # The PDF's page, rendered by PDFium on the server, is an image every browser shows.
    page.wait_for_function("() => { const img = document.querySelector('#preview img.pdf-page');"
                           " return img && img.complete && img.naturalWidth >= 1000; }")
    admin.screenshot("09-preview.png")
    assert admin.errors == []


def test_07_a_client_never_finds_a_firm_only_document(client):
    page = client.page
    client.login(CLIENT_EMAIL, CLIENT_PASSWORD)
    page.goto("/ged/recherche/?q=honoraires")
    expect(page.locator(".search-hit").filter(has_text="honoraires-publics.pdf")).to_be_visible()
    expect(page.get_by_text("honoraires-confidentiel.pdf")).to_have_count(0)


def test_08_drag_a_document_onto_a_folder_of_the_tree(admin, comptoir, ged):
    page = admin.page
    _open_ged(page, comptoir)
    _open_folder(page, "Ventes")
    _open_folder(page, ged["sales_months"][2])
    name = ged["purchases"][0]["name"]
    _row(page, name).drag_to(page.get_by_role("tree").get_by_role("link", name="Achats", exact=True))
    expect(page.get_by_role("status").filter(has_text=f"1 document déplacé vers « {ged['annual']} / Achats »"))\
        .to_be_visible()
    expect(_row(page, name)).to_have_count(0)
    assert admin.errors == []
