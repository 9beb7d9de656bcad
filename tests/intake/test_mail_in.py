"""The collection mailboxes, spoken to over SMTP on loopback like a real MTA would."""

import datetime as dt
import re
import smtplib
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY

import pytest
from django.core.files.storage import Storage
from django.utils import timezone

from comptoir.ged.models import Document, Folder
from comptoir.intake.selectors import company_mailboxes, mailbox_folder_resolve
from comptoir.intake.smtp import MailInController
from tests.factories import PDF_BYTES, folder_named
from tests.intake.conftest import RECEIVED_BY_MTA, TRUSTED_MTA, trust_senders

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _trusted_suppliers(request):
    """These tests are about filing: their mail is authenticated and from an allowed sender."""
    for name in ("company", "july_company"):
        if name in request.fixturenames:
            trust_senders(request.getfixturevalue(name), "@example.com")


def invoice_mail(*, to: str, sender: str = "fournisseur@example.com", attachments=(("facture.pdf", PDF_BYTES),),
                 message_id: str = "<m1@example.com>", subject: str = "Facture mars",
                 authenticated_by: str | None = TRUSTED_MTA) -> EmailMessage:
    message = EmailMessage()
    if authenticated_by:
        message["Authentication-Results"] = (f"{authenticated_by}; dkim=pass header.d={sender.rpartition('@')[2]}"
                                             f" header.i=@{sender.rpartition('@')[2]}")
        message["Received"] = RECEIVED_BY_MTA
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message.set_content("Bonjour, veuillez trouver la facture ci-jointe.")
    for name, data in attachments:
        maintype, subtype = ("application", "pdf") if name.endswith(".pdf") else ("image", "png")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message


def wire_bytes(message: EmailMessage | bytes) -> bytes:
    """What an MTA puts on the wire: CRLF line ends (smtplib sends bytes as they are)."""
    raw = message if isinstance(message, bytes) else message.as_bytes(policy=SMTP_POLICY)
    return re.sub(rb"(?<!\r)\n", b"\r\n", raw)


def send(listener, message: EmailMessage | bytes, *, sender="fournisseur@example.com", to=None):
    """Send and return (code, text) of the final reply, or of the first refusal."""
    with smtplib.SMTP(listener.hostname, listener.port, timeout=30) as client:
        client.ehlo("mta.example.com")
        raw = wire_bytes(message)
        recipients = to or [message["To"]]
        code, text = client.mail(sender)
        for recipient in recipients:
            code, text = client.rcpt(recipient)
            if code != 250:
                return code, text.decode()
        code, text = client.data(raw)
        return code, text.decode()


def test_mailboxes_are_one_address_per_box_with_the_company_token(company, settings):
    settings.MAIL_DOMAIN = "depot.test"
    boxes = company_mailboxes(company)
    assert list(boxes) == ["achats", "ventes", "banque", "social", "ndf", "a-classer"]
    token = company.mailbox_policy.token
    assert len(token) == 10
    assert boxes["achats"] == f"achats+{company.slug}.{token}@depot.test"


def test_attachment_lands_in_this_month_of_purchases(mail_in, company):
    to = company_mailboxes(company)["achats"]
    code, _ = send(mail_in, invoice_mail(to=to))
    assert code == 250
    document = Document.objects.get(company=company)
    assert document.channel == "email"
    assert document.name == "facture.pdf"
    assert document.folder.role == "month"
    assert document.folder.month == timezone.localdate().replace(day=1)
    assert document.folder.parent.name == "Achats"
    assert document.source["message_id"] == "<m1@example.com>"
    assert document.source["recipient"] == to


def test_unknown_recipient_is_refused_at_rcpt(mail_in, company):
    code, text = send(mail_in, invoice_mail(to="achats+inconnue@depot.test"))
    assert code == 550
    assert "Boîte inconnue" in text or "5.1.1" in text
    code, _ = send(mail_in, invoice_mail(to=f"cuisine+{company.slug}@depot.test"))
    assert code == 550
    code, _ = send(mail_in, invoice_mail(to=f"achats+{company.slug}@ailleurs.test"))
    assert code == 550
    assert not Document.objects.exists()


def test_message_over_the_size_limit_is_refused(mail_in, company):
    big = PDF_BYTES + b"0" * (3 * 1024 * 1024)
    code, text = send(mail_in, invoice_mail(to=company_mailboxes(company)["achats"], attachments=[("gros.pdf", big)]))
    assert code == 552, text
    assert not Document.objects.exists()


def test_storage_failure_answers_451_then_the_retry_is_stored(mail_in, company, monkeypatch):
    def broken_save(self, name, content, max_length=None):
        raise OSError("disque plein")

    message = invoice_mail(to=company_mailboxes(company)["ventes"])
    with monkeypatch.context() as patch:
        patch.setattr(Storage, "save", broken_save)  # whichever backend: local folder or S3
        code, text = send(mail_in, message)
    assert code == 451
    assert "4.3.0" in text
    assert not Document.objects.exists()
    code, _ = send(mail_in, message)
    assert code == 250
    assert Document.objects.filter(company=company).count() == 1


def test_retransmitted_message_is_stored_once(mail_in, company):
    message = invoice_mail(to=company_mailboxes(company)["achats"],
                           attachments=[("a.pdf", PDF_BYTES), ("b.pdf", PDF_BYTES + b"%b\n")])
    assert send(mail_in, message)[0] == 250
    assert send(mail_in, message)[0] == 250
    assert Document.objects.filter(company=company).count() == 2


def test_same_attachment_in_a_new_message_is_stored_again(mail_in, company):
    to = company_mailboxes(company)["achats"]
    assert send(mail_in, invoice_mail(to=to, message_id="<un@example.com>"))[0] == 250
    assert send(mail_in, invoice_mail(to=to, message_id="<deux@example.com>"))[0] == 250
    assert Document.objects.filter(company=company).count() == 2


def test_message_without_attachment_is_kept_as_eml_in_a_classer(mail_in, company):
    message = invoice_mail(to=company_mailboxes(company)["banque"], attachments=(), subject="Relevé d'avril")
    assert send(mail_in, message)[0] == 250
    document = Document.objects.get(company=company)
    assert document.name == "Relevé d'avril.eml"
    assert document.folder.name == "À classer"
    assert document.content_type == "message/rfc822"


def test_small_inline_logo_is_ignored_but_the_invoice_is_kept(mail_in, company):
    message = invoice_mail(to=company_mailboxes(company)["achats"])
    logo = b"\x89PNG\r\n\x1a\n" + b"\x00" * 600
    message.get_payload()[0].add_related(logo, maintype="image", subtype="png", cid="<logo@sig>")
    assert send(mail_in, message)[0] == 250
    assert list(Document.objects.values_list("name", flat=True)) == ["facture.pdf"]


def test_refused_type_is_skipped_and_recorded(mail_in, company):
    message = invoice_mail(to=company_mailboxes(company)["achats"],
                           attachments=[("virus.pdf", b"MZ\x90\x00" + b"\x00" * 100)])
    assert send(mail_in, message)[0] == 250
    document = Document.objects.get(company=company)
    assert document.name.endswith(".eml")
    assert document.source["refused"][0]["filename"] == "virus.pdf"


def test_july_fiscal_year_routes_by_reception_month(july_company):
    start = july_company.fiscal_year_start
    august = mailbox_folder_resolve(company=july_company, box="ventes", on=start.replace(month=8, day=15))
    assert august.name == f"02 – Août {start.year}"
    january = mailbox_folder_resolve(company=july_company, box="ventes",
                                     on=dt.date(start.year + 1, 1, 10))
    assert january.name == f"07 – Janvier {start.year + 1}"
    assert january.parent.name == "Ventes"
    bank = mailbox_folder_resolve(company=july_company, box="banque", on=dt.date(start.year + 1, 1, 10))
    assert bank == Folder.objects.get(company=july_company, role="banque")


def test_july_fiscal_year_over_smtp_lands_in_this_month(mail_in, july_company):
    assert send(mail_in, invoice_mail(to=company_mailboxes(july_company)["ventes"]))[0] == 250
    document = Document.objects.get(company=july_company)
    today = timezone.localdate()
    assert document.folder.month == today.replace(day=1)
    assert document.folder.name.startswith(f"{(today.month - 7) % 12 + 1:02d} – ")


def test_lmtp_mode_answers_per_recipient(settings, company):
    settings.MAIL_DOMAIN = "depot.test"
    settings.COMPTOIR_MAILIN_TRUSTED_AUTHSERV_ID = TRUSTED_MTA
    controller = MailInController(host="127.0.0.1", port=0, lmtp=True)
    controller.start()
    try:
        boxes = company_mailboxes(company)
        with smtplib.LMTP(controller.hostname, controller.port, timeout=30) as client:
            client.ehlo_or_helo_if_needed()
            refused = client.sendmail("x@example.com", [boxes["achats"], boxes["ventes"]],
                                      wire_bytes(invoice_mail(to=boxes["achats"])))
            # smtplib reads one DATA reply; LMTP sends one per recipient.
            second_code, _ = client.getreply()
        assert refused == {}
        assert second_code == 250
    finally:
        controller.stop()
    assert Document.objects.filter(company=company).count() == 2
    assert folder_named(company, "Ventes") in {d.folder.parent for d in Document.objects.all()}

