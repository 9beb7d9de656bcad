"""« À valider » in a real browser: an unauthenticated invoice mailed to a running Comptoir waits, routed
nowhere; the firm admin approves it and Upflow receives it once; the client never sees the list.

`comptoir serve` runs its own mail-in listener; the mail is sent to it over SMTP, as a supplier's MTA would.
"""

import smtplib
import time
from email.message import EmailMessage

import pytest
from playwright.sync_api import expect

from tests.browser.seed import ADMIN_EMAIL, ADMIN_PASSWORD, CLIENT_EMAIL, CLIENT_PASSWORD, pdf_bytes
from tests.browser.test_upflow_walk import _messages_with_attachment, _wait_for_attachment

pytestmark = pytest.mark.browser

UPFLOW_ADDRESS = "factures-quarantaine@upflow.example"
FILENAME = "facture-non-verifiee.pdf"

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
"""


def _mail_in_send(port: int, to: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "compta@fournisseur.example", to, "Facture 2026-117"
    message["Message-ID"] = "<quarantaine-1@fournisseur.example>"
    message.set_content("Veuillez trouver notre facture ci-jointe.")
    message.add_attachment(pdf_bytes("non vérifiée"), maintype="application", subtype="pdf", filename=FILENAME)
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
    return next(line for line in out.splitlines() if line.startswith("MAILBOX ")).split(" ", 1)[1]


def test_unauthenticated_mail_waits_then_is_approved_and_sent_once(admin, client, comptoir, smtp, mailbox):
    _mail_in_send(int(comptoir.env["COMPTOIR_MAILIN_PORT"]), mailbox)
    page = admin.page
    admin.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto(f"/entreprises/{comptoir.seed['company_id']}/")
    waiting = page.get_by_role("link", name="À valider : 1 document reçu d'un expéditeur non vérifié")
    expect(waiting).to_be_visible()
    waiting.click()
    row = page.locator("tr", has_text=FILENAME)
    expect(row).to_contain_text("expéditeur non authentifié")
    expect(row).to_contain_text("compta@fournisseur.example")
    expect(row).to_contain_text(mailbox)
    admin.screenshot("a-valider.png")
    assert _messages_with_attachment(smtp, FILENAME) == []  # held: nothing went to Upflow

    client.login(CLIENT_EMAIL, CLIENT_PASSWORD)
    response = client.page.goto(page.url)
    assert response.status == 404  # clients never see the quarantine

    row.get_by_role("button", name="Valider", exact=True).click()
    expect(page.get_by_text(f"« {FILENAME} » validé et déposé.")).to_be_visible()
    expect(page.get_by_text("Rien à valider.")).to_be_visible()
    [message] = _wait_for_attachment(smtp, FILENAME)
    assert UPFLOW_ADDRESS in message["To"]
    time.sleep(2)  # a second send would come from the same worker pass
    assert len(_messages_with_attachment(smtp, FILENAME)) == 1
    assert admin.errors == [] and client.errors == []
