"""Document requests in a real browser: the firm asks, the client (on a phone) sees « À fournir » and uploads,
the firm sees it provided and closes it. Screenshots for the README tour."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.browser.seed import ADMIN_EMAIL, ADMIN_PASSWORD, CLIENT_EMAIL, CLIENT_PASSWORD, pdf_bytes

pytestmark = pytest.mark.browser

TITLE = "Relevés bancaires de novembre"


def test_firm_asks_client_uploads_on_phone_firm_closes(admin, client, comptoir):
    page = admin.page
    admin.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto("/demandes/")
    expect(page.get_by_role("link", name="Nouvelle demande")).to_have_count(0)  # which company? pick one
    page.get_by_label("Entreprise").select_option(label=comptoir.seed["company_name"])  # no button: on change
    page.get_by_role("link", name="Nouvelle demande").click()
    page.get_by_label("Titre :", exact=True).fill(TITLE)
    due = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=10)
    page.get_by_label("Échéance :", exact=True).fill(due.isoformat())
    page.get_by_label("Pièces demandées (une par ligne)").fill("relevé BNP\nrelevé Qonto")
    expect(page.get_by_label("J-7")).to_be_checked()  # the cadence as chips, not « -7, -1, 0 » to type
    page.get_by_label("J-3").check()
    admin.screenshot("demande-nouvelle.png")
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.get_by_text(f"La demande « {TITLE} » est envoyée.")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name=TITLE)).to_be_visible()
    reminder = due - dt.timedelta(days=7)
    expect(page.get_by_text(f"Prochaine relance le {reminder:%d/%m/%Y}")).to_be_visible()

    client.login(CLIENT_EMAIL, CLIENT_PASSWORD)
    phone = client.page
    phone.goto("/")
    section = phone.get_by_role("region", name="À fournir")
    expect(section).to_contain_text(TITLE)
    expect(section).to_contain_text("relevé BNP")
    client.screenshot("a-fournir-telephone.png")
    for label in ("relevé BNP", "relevé Qonto"):
        item = phone.locator(".request-items li", has_text=label)
        item.locator("input[type=file][name=files]").set_input_files(
            files=[{"name": f"{label}.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes(label)}])
        item.get_by_role("button", name="Envoyer").click()
        expect(phone.get_by_text("Merci, vos documents sont déposés.")).to_be_visible()
    expect(phone.get_by_text("Le cabinet n'attend aucun document de votre part.")).to_be_visible()

    page.goto("/demandes/?status=provided")
    row = page.locator("table.requests tr", has_text=TITLE)
    expect(row).to_contain_text("Fournie")
    admin.screenshot("demandes-tableau.png")
    row.get_by_role("link", name=TITLE).click()
    expect(page.locator(".request-answers")).to_contain_text("relevé Qonto.pdf")
    page.get_by_role("button", name="Clôturer").click()
    expect(page.get_by_text("La demande est clôturée.")).to_be_visible()
    expect(page.locator(".page-head")).to_contain_text("Clôturée")
    assert admin.errors == [] and client.errors == []
