"""The seed's procedure ("Connecter Welyb et Upflow"), walked in a real browser, in French.

One module, ordered steps sharing one browser per person and one running Comptoir: each step
starts where the previous one left off, as a person clicking through would. Every wait is on a
visible condition (Playwright's `expect`) or on the SMTP server receiving a message, with a timeout.
"""

import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.browser.seed import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    CLIENT_EMAIL,
    CLIENT_PASSWORD,
    LOGO_RGB,
    PRIMARY,
    pdf_bytes,
)

pytestmark = pytest.mark.browser

UPFLOW_ADDRESS = "factures-alpha@upflow.example"
WRONG_ADDRESS = "Upflow <factures@upflow.example>"
COLLECTION_LABEL = "Adresse de collecte des factures"
FAILING_ADDRESS = "inconnu@upflow.example"
FIXED_ADDRESS = "factures-boulangerie@upflow.example"
MAIL_TIMEOUT = 30.0


# --- helpers ----------------------------------------------------------------------------------

def _attachments(message) -> list[tuple[str, bytes]]:
    return [(part.get_filename(), part.get_content()) for part in message.iter_attachments()]


def _messages_with_attachment(smtp, filename: str) -> list:
    return [message for message in smtp.messages if any(name == filename for name, _ in _attachments(message))]


def _wait_for_attachment(smtp, filename: str, *, count: int = 1, timeout: float = MAIL_TIMEOUT) -> list:
    """Block until `count` messages carrying `filename` arrived at the SMTP server."""
    smtp.wait_until(lambda messages: len(_messages_with_attachment(smtp, filename)) >= count, timeout=timeout,
                    what=f"{count} message(s) with {filename}")
    return _messages_with_attachment(smtp, filename)


def _open_store(page: Page) -> None:
    """Paramètres → Applications, from the top bar's menu."""
    topbar = page.get_by_role("navigation", name="Navigation principale")
    topbar.get_by_text("Paramètres", exact=True).click()
    topbar.get_by_role("link", name="Applications", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Applications partenaires")).to_be_visible()


def _app_card(page: Page, name: str):
    return page.get_by_role("article").filter(has=page.get_by_role("heading", name=name, exact=True))


def _installed_upflow(page: Page):
    """Upflow's card in "Applications de mon espace": the one carrying the pencil."""
    return _app_card(page, "Upflow").filter(has=page.get_by_role("link", name="Configurer la connexion"))


def _open_history(page: Page) -> None:
    """Paramètres → Applications → "Historique d'envoi" on Upflow's card."""
    _open_store(page)
    _installed_upflow(page).get_by_role("link", name="Historique d'envoi").click()
    expect(page.get_by_role("heading", level=1, name=re.compile("Historique d.envoi"))).to_be_visible()


def _open_connection(page: Page) -> None:
    """Paramètres → Applications → the pencil on Upflow."""
    _open_store(page)
    _installed_upflow(page).get_by_role("link", name="Configurer la connexion").click()
    expect(page.get_by_role("heading", level=1, name=re.compile("Connecter Upflow"))).to_be_visible()


def _company_row(page: Page, company: str):
    return page.get_by_role("row").filter(has_text=company)


def _save_address(page: Page, company: str, address: str) -> None:
    row = _company_row(page, company)
    row.get_by_role("checkbox", name="autoriser").check()
    row.get_by_label(COLLECTION_LABEL).fill(address)
    page.get_by_role("button", name="Enregistrer").click()


def _upflow_switch(page: Page):
    return _toolbar(page).get_by_role("switch", name="Upflow")


def _toolbar(page: Page):
    return page.get_by_role("complementary", name="Actions du dossier")


def _open_company_ged(page: Page, seed: dict) -> None:
    """From the home page's list of companies to the company's GED (its annual accounting folder)."""
    page.get_by_role("link", name="Entreprises", exact=True).first.click()
    page.get_by_role("link", name=seed["company_name"], exact=True).first.click()
    expect(page.get_by_role("heading", level=1, name=re.compile("Dossier comptable annuel"))).to_be_visible()


def _open_folder(page: Page, name: str) -> None:
    """Click a folder in the tree (its parent must be open, as after opening the parent)."""
    page.get_by_role("tree").get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()


def _upload(page: Page, filename: str, content: bytes) -> None:
    page.locator("input[type=file][name=file]").set_input_files(
        files=[{"name": filename, "mimeType": "application/pdf", "buffer": content}])
    expect(_document_row(page, filename)).to_be_visible()


def _document_row(page: Page, filename: str):
    return page.locator("#documents tr").filter(has=page.get_by_role("link", name=filename, exact=True))


def _badge(page: Page, filename: str):
    """The Upflow delivery badge on a document's row ("Upflow : envoyé", "Upflow : échec"…)."""
    return _document_row(page, filename).get_by_text(re.compile(r"^\s*Upflow\s*:"))


def _reload_until(page: Page, locator, text: str, *, timeout: float = MAIL_TIMEOUT) -> None:
    """Reload a server-rendered page until `locator` contains `text` (each look waits a little), or fail."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            expect(locator).to_contain_text(text, timeout=1_500)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            page.reload()


def _recipients(message) -> set[str]:
    return {address.lower() for address in re.findall(r"[\w.+-]+@[\w.-]+",
                                                       str(message["To"]) + " " + str(message["Cc"] or ""))}


def _no_js_errors(role) -> None:
    assert role.errors == [], f"JavaScript errors on the {role.name}'s pages: {role.errors}"


# --- the walk ---------------------------------------------------------------------------------

def test_01_store_demo_and_install(admin, comptoir, smtp):
    """Paramètres → Applications: Upflow is available; a demo is requested; Upflow is added."""
    page = admin.page
    admin.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    _open_store(page)
    upflow = _app_card(page, "Upflow")
    # Available, not yet in "mes applications": it offers "Ajouter", not the pencil.
    expect(upflow.get_by_role("button", name=re.compile("Ajouter"))).to_be_visible()
    expect(upflow.get_by_role("link", name="Configurer la connexion")).to_have_count(0)

    # "Demander une démo" for the company: Upflow's demo contact and the requester both get mail.
    upflow.get_by_role("link", name="En savoir plus").click()
    expect(page.get_by_role("heading", name="Demander une démo")).to_be_visible()
    page.get_by_label("Entreprise").select_option(label=comptoir.seed["company_name"])
    before = len(smtp.messages)
    page.get_by_role("button", name="Demander une démo").click()
    expect(page.get_by_role("status").filter(has_text="démo")).to_be_visible()
    wanted = {"partenaires@upflow.example", ADMIN_EMAIL}

    def to_wanted(messages) -> list:
        # Only the demo's two mails: the server's worker may send something else meanwhile.
        return [message for message in messages[before:] if wanted & _recipients(message)]

    smtp.wait_until(lambda messages: wanted <= {a for m in to_wanted(messages) for a in _recipients(m)},
                    timeout=MAIL_TIMEOUT, what="the demo request's two mails")
    assert all(comptoir.seed["company_name"] in message.get_body(("plain",)).get_content()
               for message in to_wanted(smtp.messages))

    # Add it to "mes applications".
    page.get_by_role("button", name=re.compile("Ajouter à mon espace")).click()
    expect(page.get_by_role("status").filter(has_text="Upflow")).to_be_visible()
    _open_store(page)
    expect(_installed_upflow(page)).to_be_visible()
    expect(_app_card(page, "Upflow").get_by_role("button", name=re.compile("Ajouter"))).to_have_count(0)
    admin.screenshot("01-store.png")
    _no_js_errors(admin)


def test_02_connection(admin, comptoir):
    """The pencil on Upflow: authorise the company, enter the collection address, save; a bad one is refused."""
    page = admin.page
    _open_connection(page)
    # The portal's stable sender, to allow-list on Upflow's side.
    expect(page.get_by_text("envoi@comptoir.localhost")).to_be_visible()

    _save_address(page, comptoir.seed["company_name"], WRONG_ADDRESS)
    row = _company_row(page, comptoir.seed["company_name"])
    expect(row.get_by_text(re.compile("sans nom ni espace|n'est pas une adresse e-mail valide"))).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="adresses sont invalides")).to_be_visible()
    expect(row.get_by_text("connectée")).to_have_count(0)

    # Pasted with stray spaces and a capitalised domain: saved normalised.
    _save_address(page, comptoir.seed["company_name"], "  factures-alpha@UPFLOW.example ")
    expect(page.get_by_role("status").filter(has_text="Connexions enregistrées")).to_be_visible()
    row = _company_row(page, comptoir.seed["company_name"])
    expect(row.get_by_label(COLLECTION_LABEL)).to_have_value(UPFLOW_ADDRESS)
    expect(row.get_by_role("checkbox", name="autoriser")).to_be_checked()
    expect(row.get_by_text("connectée")).to_be_visible()
    admin.screenshot("02-connection.png")
    _no_js_errors(admin)


def test_03_switch_ventes(admin, comptoir):
    """The GED: the Upflow switch is on the toolbar; on for Ventes; a month inherits; another is excluded."""
    page = admin.page
    seed = comptoir.seed
    _open_company_ged(page, seed)
    _open_folder(page, "Ventes")
    switch = _upflow_switch(page)
    expect(switch).to_be_visible()
    expect(switch).not_to_be_checked()
    expect(_toolbar(page).get_by_text("désactivé (aucun dossier parent activé)")).to_be_visible()
    switch.check()
    expect(_toolbar(page).get_by_text("activé ici")).to_be_visible()
    expect(_upflow_switch(page)).to_be_checked()

    sent_month, excluded_month = seed["months"][1]["name"], seed["months"][2]["name"]
    _open_folder(page, sent_month)
    expect(_toolbar(page).get_by_text("activé via Ventes")).to_be_visible()
    expect(_upflow_switch(page)).to_be_checked()
    admin.screenshot("03-switch-ventes.png")

    _open_folder(page, excluded_month)
    expect(_toolbar(page).get_by_text("activé via Ventes")).to_be_visible()
    _toolbar(page).get_by_role("button", name="Exclure ce dossier").click()
    expect(_toolbar(page).get_by_text("exclu ici (désactivé)")).to_be_visible()
    expect(_upflow_switch(page)).not_to_be_checked()
    _no_js_errors(admin)


def test_04_sent_badge_and_history(admin, comptoir, smtp):
    """Not retroactive; a later upload arrives with its bytes and shows "envoyé" live; exclusion holds."""
    page = admin.page
    seed = comptoir.seed
    sent_month, excluded_month = seed["months"][1]["name"], seed["months"][2]["name"]
    excluded_pdf, sent_pdf = pdf_bytes("exclue"), pdf_bytes("mars 1")

    # Into the excluded month first (step 3 left us there): it must not go, even once the next has gone.
    expect(page.get_by_role("heading", level=1, name=excluded_month)).to_be_visible()
    _upload(page, "facture-exclue.pdf", excluded_pdf)
    _open_folder(page, sent_month)
    _upload(page, "facture-vente-1.pdf", sent_pdf)
    message = _wait_for_attachment(smtp, "facture-vente-1.pdf")[0]
    assert message["To"] == UPFLOW_ADDRESS
    # From the stable sender under the firm's name; the subject names the company and the file.
    assert message["From"].addresses[0].addr_spec == "envoi@comptoir.localhost"
    assert message["From"].addresses[0].display_name == "Cabinet Alpha"
    assert seed["company_name"] in message["Subject"] and "facture-vente-1.pdf" in message["Subject"]
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "facture-vente-1.pdf"
    assert attachment.get_content() == sent_pdf
    expect(_badge(page, "facture-vente-1.pdf")).to_have_text(re.compile(r"Upflow\s*:\s*envoyé"))
    admin.screenshot("04-sent-badge.png")

    assert _messages_with_attachment(smtp, "facture-exclue.pdf") == []
    assert _messages_with_attachment(smtp, seed["before_document"]["name"]) == []
    # The document already there before activation shows no delivery at all.
    _open_folder(page, seed["before_document"]["folder"])
    before_row = _document_row(page, seed["before_document"]["name"])
    expect(before_row).to_be_visible()
    # Its delivery panel is in the row and empty: no Upflow badge at all.
    expect(before_row.locator(".delivery-badges")).to_be_attached()
    expect(before_row.get_by_text(re.compile("Upflow"))).to_have_count(0)

    # The send history lists exactly what was sent.
    _open_history(page)
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("facture-vente-1.pdf")
    expect(rows.first).to_contain_text("envoyé")
    _no_js_errors(admin)


def test_05_failure_and_retry(admin, comptoir, smtp):
    """550 from the server: "échec" with the reason; the address is fixed; "réessayer" sends it."""
    page = admin.page
    seed = comptoir.seed
    company = seed["company_name"]
    _open_connection(page)
    _save_address(page, company, FAILING_ADDRESS)
    expect(page.get_by_role("status").filter(has_text="Connexions enregistrées")).to_be_visible()
    expect(_company_row(page, company).get_by_label(COLLECTION_LABEL)).to_have_value(FAILING_ADDRESS)

    smtp.reply_with("550 5.1.1 Adresse inconnue chez Upflow", stage="rcpt")
    _open_company_ged(page, seed)
    _open_folder(page, "Ventes")
    _open_folder(page, seed["months"][1]["name"])
    _upload(page, "facture-vente-2.pdf", pdf_bytes("mars 2"))
    row = _document_row(page, "facture-vente-2.pdf")
    badge = _badge(page, "facture-vente-2.pdf")
    expect(badge).to_have_text(re.compile(r"Upflow\s*:\s*échec"))
    # The reason is the partner's server's own words, one click away on the badge.
    badge.click()
    expect(row.get_by_text(re.compile("550 5.1.1 Adresse inconnue chez Upflow")).first).to_be_visible()
    assert smtp.refused == 1 and _messages_with_attachment(smtp, "facture-vente-2.pdf") == []

    _open_connection(page)
    _save_address(page, company, FIXED_ADDRESS)
    expect(page.get_by_role("status").filter(has_text="Connexions enregistrées")).to_be_visible()
    expect(_company_row(page, company).get_by_label(COLLECTION_LABEL)).to_have_value(FIXED_ADDRESS)
    _open_history(page)
    failed = page.locator("table tbody tr").filter(has_text="facture-vente-2.pdf")
    expect(failed).to_contain_text("échec")
    failed.get_by_role("button", name=re.compile("Réessayer", re.I)).click()
    expect(page.get_by_role("status").filter(has_text="Nouvel essai programmé")).to_be_visible()
    message = _wait_for_attachment(smtp, "facture-vente-2.pdf")[0]
    assert message["To"] == FIXED_ADDRESS
    assert dict(_attachments(message))["facture-vente-2.pdf"] == pdf_bytes("mars 2")
    # The history is a plain page: what a person does next is look again, until it says "envoyé"
    # (the worker commits the outcome a moment after the SMTP server accepted the message).
    rows = page.locator("table tbody tr")
    _reload_until(page, rows.filter(has_text="facture-vente-2.pdf"), "envoyé")
    expect(rows.filter(has_text="facture-vente-2.pdf")).to_contain_text(FIXED_ADDRESS)
    expect(rows).to_have_count(2)
    admin.screenshot("05-retry.png")
    _no_js_errors(admin)


def test_06_client_on_phone(client, comptoir, smtp):
    """The client: firm colours and logo, uploads an invoice to Ventes on a phone, sees no firm-only things."""
    page = client.page
    seed = comptoir.seed
    client.login(CLIENT_EMAIL, CLIENT_PASSWORD)

    # The firm's colours: the CSS variable and the top bar actually painted with it.
    primary = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--primary').trim()")
    assert primary.lower() == PRIMARY
    r, g, b = (int(PRIMARY[i:i + 2], 16) for i in (1, 3, 5))
    expect(page.locator("header.topbar")).to_have_css("background-color", f"rgb({r}, {g}, {b})")
    # The firm's logo, loaded: its centre pixel is the colour the seed painted it.
    logo = page.locator("header.topbar img").first
    expect(logo).to_be_visible()
    pixel = logo.evaluate("""img => new Promise(done => {
        const check = () => { const c = document.createElement('canvas'); c.width = img.naturalWidth;
          c.height = img.naturalHeight; const x = c.getContext('2d'); x.drawImage(img, 0, 0);
          done(Array.from(x.getImageData(c.width / 2, c.height / 2, 1, 1).data.slice(0, 3))); };
        img.complete ? check() : img.addEventListener('load', check); })""")
    assert tuple(pixel) == LOGO_RGB

    # No store for a client: not in the menu, and refused when typed in.
    topbar = page.get_by_role("navigation", name="Navigation principale")
    topbar.get_by_text("Paramètres", exact=True).click()
    expect(topbar.get_by_role("link", name="Mon compte")).to_be_visible()
    expect(topbar.get_by_role("link", name="Applications", exact=True)).to_have_count(0)

    _open_company_ged(page, seed)
    # On a phone the folder tree is a drawer, opened from its button.
    drawer = page.get_by_role("button", name=re.compile("Dossiers"))
    expect(drawer).to_be_visible()
    drawer.click()
    expect(drawer).to_have_attribute("aria-expanded", "true")
    _open_folder(page, "Ventes")
    for name in seed["firm_only"]:
        expect(page.get_by_text(name)).to_have_count(0)
    # No switch, no partner panel on the toolbar: not even the word Upflow before anything was sent.
    expect(page.get_by_role("switch", name="Upflow")).to_have_count(0)
    expect(page.get_by_role("region", name="Applications partenaires")).to_have_count(0)
    expect(page.get_by_text("Upflow")).to_have_count(0)

    invoice = pdf_bytes("client téléphone")
    _upload(page, "facture-client.pdf", invoice)
    client.screenshot("06-client-phone.png")
    # Whoever deposits, however: it goes to Upflow too.
    message = _wait_for_attachment(smtp, "facture-client.pdf")[0]
    assert dict(_attachments(message))["facture-client.pdf"] == invoice

    # Typed in, the store and the switch panel are refused too.
    for address in ("/applications/", f"/applications/dossiers/{seed['ventes_id']}/switches/"):
        assert page.request.get(address).status in {403, 404}, address
    _no_js_errors(client)



def test_07_facturx_invoice_shows_its_facts(admin, comptoir, smtp):
    """A Factur-X invoice shows its number, customer, amount and due date; only payable documents go."""
    from tests.invoices import corpus

    page = admin.page
    seed = comptoir.seed
    _open_company_ged(page, seed)
    _open_folder(page, "Ventes")
    _open_folder(page, seed["months"][1]["name"])
    _upload(page, "facture-electronique.pdf", corpus.facturx_pdf(corpus.Invoice(number="F-2027-042")))
    row = _document_row(page, "facture-electronique.pdf")
    facts = row.locator(".invoice-facts")
    expect(facts.get_by_text("Factur-X", exact=True)).to_be_visible()
    expect(facts).to_contain_text("n° F-2027-042")
    expect(facts).to_contain_text("client : Client Exemple SA")
    expect(facts).to_contain_text(re.compile(r"1\s200,00 EUR TTC"))
    expect(facts).to_contain_text("échéance 14/02/2027")
    (message,) = _wait_for_attachment(smtp, "facture-electronique.pdf")
    assert "Facture n° F-2027-042 – Client Exemple SA – 1 200,00 EUR TTC" in message["Subject"]
    expect(_badge(page, "facture-electronique.pdf")).to_have_text(re.compile(r"Upflow\s*:\s*envoyé"))

    # A quote says what it is: it is not sent, and the badge says so.
    _upload(page, "devis.pdf", corpus.facturx_pdf(corpus.Invoice(number="DEV-7", type_code="310")))
    expect(_document_row(page, "devis.pdf").locator(".invoice-facts")).to_contain_text("n° DEV-7")
    expect(_badge(page, "devis.pdf")).to_have_text(re.compile(r"Upflow\s*:\s*ignoré"))
    admin.screenshot("07-facturx.png")
    assert _messages_with_attachment(smtp, "devis.pdf") == []

    # The same invoice again (other bytes): not sent, and its page says which one came first, as a link.
    _upload(page, "facture-electronique-bis.pdf",
            corpus.facturx_pdf(corpus.Invoice(number="F-2027-042", order_reference="PO-78")))
    expect(_badge(page, "facture-electronique-bis.pdf")).to_have_text(re.compile(r"Upflow\s*:\s*ignoré"))
    page.goto(_document_row(page, "facture-electronique-bis.pdf").get_by_role("link").first.get_attribute("href"))
    notices = page.get_by_role("list", name="À vérifier")
    expect(notices).to_contain_text("Déjà reçue le")
    expect(notices.get_by_role("link", name="Voir le premier")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("/ged/document/")  # no raw path shown as text
    page.go_back()

    # The document's own page has the details.
    row.get_by_role("link", name="facture-electronique.pdf", exact=True).click()
    expect(page.locator(".invoice-details")).to_contain_text("Net à payer")
    _no_js_errors(admin)


def test_08_connect_by_api_mark_paid_and_see_payee(admin, comptoir, fake_upflow):
    """Upflow by API: the same company switched to « par l'API Upflow » (a wrong secret refused with
    Upflow's message), a Factur-X invoice pushed with its data, marked paid on the fake Upflow's page,
    and « payée » on the document after the next sync."""
    from tests.invoices import corpus

    page = admin.page
    company = comptoir.seed["company_name"]
    _open_connection(page)
    row = _company_row(page, company)
    row.get_by_label("par l'API Upflow").check()
    row.get_by_label("Clé d'API").fill("walk-key")
    row.get_by_label("Secret d'API").fill("not-the-secret")
    page.get_by_role("button", name="Enregistrer").click()
    expect(_company_row(page, company).get_by_text(re.compile("Upflow refuse ces identifiants"))).to_be_visible()
    row = _company_row(page, company)
    row.get_by_label("par l'API Upflow").check()
    row.get_by_label("Clé d'API").fill("walk-key")
    row.get_by_label("Secret d'API").fill("walk-secret-0123456789")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status").filter(has_text="Connexions enregistrées")).to_be_visible()
    expect(_company_row(page, company).get_by_role("link", name="Poste client")).to_be_visible()

    seed = comptoir.seed
    page.goto(comptoir.url + "/")
    _open_company_ged(page, seed)
    _open_folder(page, "Ventes")
    _open_folder(page, seed["months"][1]["name"])
    _upload(page, "facture-api.pdf", corpus.facturx_pdf(corpus.Invoice(number="F-2027-077")))
    deadline = time.monotonic() + MAIL_TIMEOUT
    while fake_upflow.invoice_by_external_id_prefix() is None:
        assert time.monotonic() < deadline, "the invoice never reached the fake Upflow"
        time.sleep(0.2)

    fake_page = admin.context.new_page()
    fake_page.goto(f"http://127.0.0.1:{fake_upflow.port}/")
    fake_row = fake_page.get_by_role("row").filter(has_text="F-2027-077")
    fake_row.get_by_role("button", name="Marquer payée").click()
    expect(fake_page.get_by_role("row").filter(has_text="F-2027-077")).to_contain_text("PAID")
    fake_page.close()

    _reload_until(page, _document_row(page, "facture-api.pdf"), "payée")
    admin.screenshot("08-upflow-api-payee.png")
    _no_js_errors(admin)
