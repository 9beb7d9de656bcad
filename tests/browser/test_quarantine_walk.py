"""« À valider » in a real browser: an unauthenticated invoice mailed to a running Comptoir waits, routed
nowhere; the firm admin approves it and Upflow receives it once; the client never sees the list.

The same bytes come three ways (issue #27): uploaded in Ventes first, then by that mail, approved, then in a
zip. The quarantine says « Déjà déposé le … » before the decision, and Upflow receives the file once; the
document offers « Envoyer quand même » to the firm. On the way: the senders page's « Copier » says « Copié »,
and « Changer les adresses » asks first, naming what it breaks (no inline handler: the CSP blocks them).

`comptoir serve` runs its own mail-in listener; the mail is sent to it over SMTP, as a supplier's MTA would.
"""

import io
import re
import smtplib
import time
import zipfile
from email.message import EmailMessage

import pytest
from playwright.sync_api import expect

from tests.browser.seed import ADMIN_EMAIL, ADMIN_PASSWORD, CLIENT_EMAIL, CLIENT_PASSWORD, pdf_bytes
from tests.browser.test_upflow_walk import _messages_with_attachment, _wait_for_attachment

pytestmark = pytest.mark.browser

UPFLOW_ADDRESS = "factures-quarantaine@upflow.example"
FILENAME = "facture-non-verifiee.pdf"
CONTENT = pdf_bytes("non vérifiée")

SETUP = """
from comptoir.accounts.models import User
from comptoir.firms.models import Company
from comptoir.ged.models import Folder
from comptoir.intake.selectors import company_mailboxes
from comptoir.partners.services import connection_set, folder_switch_set, installation_create

company = Company.objects.get(pk={company_id})
admin = User.objects.get(email={admin!r})
installation = installation_create(firm=company.firm, slug="upflow", actor=admin)
connection = connection_set(installation=installation, company=company,
                            destinations={{"collection": {address!r}}}, actor=admin)
folder_switch_set(folder=Folder.objects.filter(company=company, role="ventes").order_by("depth").first(),
                  connection=connection, state="on", actor=admin)
print("MAILBOX " + company_mailboxes(company)["ventes"])
print("VENTES " + str(Folder.objects.filter(company=company, role="ventes").order_by("depth").first().pk))
"""


def _mail_in_send(port: int, to: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "compta@fournisseur.example", to, "Facture 2026-117"
    message["Message-ID"] = "<quarantaine-1@fournisseur.example>"
    message.set_content("Veuillez trouver notre facture ci-jointe.")
    message.add_attachment(CONTENT, maintype="application", subtype="pdf", filename=FILENAME)
    deadline = time.monotonic() + 30
    while True:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
                assert client.send_message(message) == {}
                return
        except ConnectionRefusedError:  # the embedded listener may start a moment after the web server
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@pytest.fixture(scope="module")
def mailbox(comptoir):
    out = comptoir.manage("shell", "-c", SETUP.format(company_id=comptoir.seed["company_id"], admin=ADMIN_EMAIL,
                                                      address=UPFLOW_ADDRESS))
    lines = dict(line.split(" ", 1) for line in out.splitlines() if line.startswith(("MAILBOX ", "VENTES ")))
    comptoir.seed["ventes_id"] = int(lines["VENTES"])
    return lines["MAILBOX"]


def _to_upflow(smtp) -> list:
    return [m for m in smtp.messages if UPFLOW_ADDRESS in (m["To"] or "")]


def test_unauthenticated_mail_waits_then_is_approved_and_sent_once(admin, client, comptoir, smtp, mailbox):
    page = admin.page
    admin.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto(f"/ged/dossier/{comptoir.seed['ventes_id']}/")
    page.locator("input[type=file][name=file]").set_input_files(
        files=[{"name": "facture-deposee.pdf", "mimeType": "application/pdf", "buffer": CONTENT}])
    _wait_for_attachment(smtp, "facture-deposee.pdf")

    _mail_in_send(int(comptoir.env["COMPTOIR_MAILIN_PORT"]), mailbox)
    page.goto(f"/entreprises/{comptoir.seed['company_id']}/")
    waiting = page.get_by_role("link", name="À valider : 1 document reçu d'un expéditeur non vérifié")
    expect(waiting).to_be_visible()
    waiting.click()
    row = page.locator("tr", has_text=FILENAME)
    expect(row).to_contain_text("expéditeur non authentifié")
    expect(row).to_contain_text("compta@fournisseur.example")
    expect(row).to_contain_text(mailbox)
    expect(row).to_contain_text("Déjà déposé le")  # before the decision, not after a second send
    expect(row.get_by_role("link", name="Voir le premier")).to_have_attribute("href", re.compile(r"/ged/document/\d+/"))
    admin.screenshot("a-valider.png")
    assert _messages_with_attachment(smtp, FILENAME) == []  # held: nothing went to Upflow

    client.login(CLIENT_EMAIL, CLIENT_PASSWORD)
    response = client.page.goto(page.url)
    assert response.status == 404  # clients never see the quarantine

    row.get_by_role("button", name="Valider", exact=True).click()
    expect(page.get_by_text(f"« {FILENAME} » validé et déposé.")).to_be_visible()
    expect(page.get_by_text("Rien à valider.")).to_be_visible()

    # The same bytes once more, by zip: recognised too.
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("lot/facture-du-zip.pdf", CONTENT)
    page.goto(f"/ged/dossier/{comptoir.seed['ventes_id']}/")
    page.get_by_text("Importer un zip").click()
    page.locator("input[type=file][name=archive]").set_input_files(
        files=[{"name": "lot.zip", "mimeType": "application/zip", "buffer": archive.getvalue()}])
    page.get_by_role("button", name="Importer", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Import terminé.")).to_be_visible()

    # The approved one: « Déjà déposé le … » on the document, its Upflow row skipped, « Envoyer quand même ».
    page.goto(f"/ged/dossier/{comptoir.seed['ventes_id']}/?sous_dossiers=1")  # mail files into the month
    page.goto(page.get_by_role("link", name=FILENAME, exact=True).first.get_attribute("href"))
    expect(page.get_by_role("list", name="À vérifier")).to_contain_text("Déjà déposé le")
    expect(page.get_by_text("Upflow : ignoré")).to_be_visible()
    page.get_by_text("Upflow : ignoré").click()
    expect(page.get_by_role("button", name="Envoyer quand même")).to_be_visible()

    time.sleep(2)  # a second send would come from the same worker pass
    assert [m for m in _to_upflow(smtp)] == _messages_with_attachment(smtp, "facture-deposee.pdf")
    assert len(_to_upflow(smtp)) == 1, "Upflow received the same bytes more than once"
    assert admin.errors == [] and client.errors == []


def test_senders_page_copies_with_feedback_and_asks_before_rotating(admin, comptoir, mailbox):
    page = admin.page
    admin.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=comptoir.url)
    page.goto(f"/depots/entreprises/{comptoir.seed['company_id']}/expediteurs/")
    addresses = page.locator("main code").all_inner_texts()
    copy = page.get_by_role("button", name="Copier").first
    copy.click()
    expect(page.get_by_role("button", name="Copié").first).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == addresses[0]

    questions = []

    def dismiss(dialog):
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_role("button", name="Changer les adresses (les anciennes seront refusées)").click()
    page.reload()  # without a question the form would have rotated at once: the addresses tell
    assert page.locator("main code").all_inner_texts() == addresses  # dismissed: nothing rotated
    assert questions and "anciennes adresses seront refusées" in questions[0]
