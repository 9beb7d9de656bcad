"""Trust at the door (promise 9): mail-in over real SMTP; only an authenticated, allowed sender reaches a partner.

The partner is Upflow switched on for `Ventes`, sending to a real SMTP server on loopback: "nothing
at the partner" is what that server received.
"""

import base64
from email.message import EmailMessage

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.files.storage import default_storage

from comptoir.core.errors import ComptoirError
from comptoir.ged.models import Document
from comptoir.intake.models import QuarantinedDocument
from comptoir.intake.selectors import company_mailboxes, mailbox_policy_for
from comptoir.intake.services.mailbox_policy import mailbox_policy_set, mailbox_token_rotate
from comptoir.intake.services.quarantine import QuarantineDecided, quarantine_approve, quarantine_reject
from tests.delivery.conftest import drain, upflow  # noqa: F401 - the fixture
from tests.factories import PDF_BYTES
from tests.intake.conftest import RECEIVED_BY_MTA, TRUSTED_MTA, trust_senders
from tests.intake.test_mail_in import send, wire_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def invoice(*, to: str, sender: str = "compta@allowed.fr", message_id: str = "<f1@allowed.fr>",
            results: str | None = None, attachments=(("facture.pdf", PDF_BYTES),)) -> EmailMessage:
    message = EmailMessage()
    if results:
        message["Authentication-Results"] = results
        message["Received"] = RECEIVED_BY_MTA
    message["From"], message["To"], message["Subject"] = sender, to, "Facture 2026-117"
    message["Message-ID"] = message_id
    message.set_content("Veuillez trouver notre facture ci-jointe.")
    for name, data in attachments:
        message.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return message


@pytest.fixture
def sales_box(company, upflow):  # noqa: F811 - the fixture imported above
    trust_senders(company, "@allowed.fr")
    return company_mailboxes(company)["ventes"]


@pytest.fixture
def signing_key(dns_zone):
    """An RSA key made here, published for `sel._domainkey.<domain>` in the injected DNS zone."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)

    def sign(raw: bytes, domain: str) -> bytes:
        dns_zone[f"sel._domainkey.{domain}.".encode()] = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
        signature = dkim.sign(raw, b"sel", domain.encode(), pem,
                              include_headers=[b"from", b"to", b"subject", b"message-id"])
        return signature + raw

    return sign


def test_unauthenticated_mail_is_accepted_quarantined_and_sent_nowhere(mail_in, sales_box, company, smtp_server):
    code, _ = send(mail_in, invoice(to=sales_box), sender="anyone@evil.example")
    assert code == 250
    assert not Document.objects.exists()
    [held] = QuarantinedDocument.objects.filter(company=company)
    assert (held.status, held.reason, held.mailbox, held.filename) == ("pending", "unauthenticated", "ventes",
                                                                      "facture.pdf")
    assert held.sender == "compta@allowed.fr" and held.envelope_sender == "anyone@evil.example"
    with default_storage.open(held.blob, "rb") as stored:
        assert stored.read() == PDF_BYTES  # nothing lost
    assert drain() == 0
    assert smtp_server.messages == []


def test_approved_quarantined_mail_is_deposited_and_delivered_once(mail_in, sales_box, company, firm_member,
                                                                   smtp_server):
    send(mail_in, invoice(to=sales_box))
    held = QuarantinedDocument.objects.get()
    held_blob = held.blob
    document = quarantine_approve(item=held, actor=firm_member)
    assert document.folder.parent.name == "Ventes" and document.depositor == firm_member
    with pytest.raises(QuarantineDecided):
        quarantine_approve(item=held, actor=firm_member)
    assert send(mail_in, invoice(to=sales_box))[0] == 250  # the MTA retransmits the same mail
    assert drain() == 1
    smtp_server.wait_for(1)
    assert drain() == 0
    assert len(smtp_server.messages) == 1
    assert Document.objects.count() == 1 and QuarantinedDocument.objects.count() == 1
    held.refresh_from_db()
    assert held.status == "approved" and held.document == document
    assert not default_storage.exists(held_blob)  # the held copy is gone; the document has its own


def test_rejected_quarantined_mail_is_gone(mail_in, sales_box, company, firm_member, smtp_server):
    send(mail_in, invoice(to=sales_box))
    held = QuarantinedDocument.objects.get()
    blob = held.blob
    quarantine_reject(item=held, actor=firm_member)
    assert not default_storage.exists(blob)
    assert send(mail_in, invoice(to=sales_box))[0] == 250  # a retransmission does not bring it back
    assert QuarantinedDocument.objects.get().status == "rejected"
    assert not Document.objects.exists()
    assert drain() == 0 and smtp_server.messages == []


def test_results_from_an_untrusted_authserv_id_are_ignored_and_stripped(mail_in, sales_box, company):
    forged = "mx.evil.example; dkim=pass header.d=allowed.fr; spf=pass smtp.mailfrom=allowed.fr"
    assert send(mail_in, invoice(to=sales_box, results=forged, attachments=()))[0] == 250
    assert not Document.objects.exists()
    held = QuarantinedDocument.objects.get()
    assert held.reason == "unauthenticated" and "allowed.fr" not in held.authentication
    with default_storage.open(held.blob, "rb") as stored:
        kept = stored.read()
    assert held.filename.endswith(".eml") and b"mx.evil.example" not in kept and b"Facture 2026-117" in kept


def test_results_from_the_trusted_mta_deposit_an_allowed_sender(mail_in, sales_box, company, smtp_server):
    results = f"{TRUSTED_MTA}; spf=pass smtp.mailfrom=bounces.allowed.fr; dkim=none"
    assert send(mail_in, invoice(to=sales_box, results=results))[0] == 250
    assert Document.objects.get().folder.parent.name == "Ventes"
    assert not QuarantinedDocument.objects.exists()
    assert drain() == 1


def test_dkim_signed_mail_of_an_allowed_domain_is_deposited_and_delivered(mail_in, sales_box, company,
                                                                          signing_key, smtp_server, settings):
    settings.COMPTOIR_MAILIN_TRUSTED_AUTHSERV_ID = ""  # Comptoir receives directly: its own DKIM check decides
    raw = signing_key(wire_bytes(invoice(to=sales_box)), "allowed.fr")
    assert send(mail_in, raw, to=[sales_box])[0] == 250
    document = Document.objects.get()
    assert "dkim(comptoir)=pass allowed.fr" in document.source["authentication"]
    assert not QuarantinedDocument.objects.exists()
    assert drain() == 1
    [message] = smtp_server.wait_for(1)
    assert [part.get_content() for part in message.iter_attachments()] == [PDF_BYTES]


def test_valid_dkim_of_another_domain_is_not_aligned_and_quarantined(mail_in, sales_box, company, signing_key,
                                                                     smtp_server):
    raw = signing_key(wire_bytes(invoice(to=sales_box)), "evil.example")
    assert send(mail_in, raw, to=[sales_box])[0] == 250
    assert not Document.objects.exists()
    held = QuarantinedDocument.objects.get()
    assert held.reason == "unauthenticated"
    assert "dkim(comptoir)=pass evil.example ≠ allowed.fr" in held.authentication
    assert drain() == 0 and smtp_server.messages == []


def test_tampered_dkim_signed_mail_is_quarantined(mail_in, sales_box, signing_key):
    raw = signing_key(wire_bytes(invoice(to=sales_box)), "allowed.fr").replace(b"Facture 2026-117",
                                                                             b"Facture 2026-999")
    assert send(mail_in, raw, to=[sales_box])[0] == 250
    assert QuarantinedDocument.objects.get().reason == "unauthenticated"


def test_authenticated_sender_not_in_the_list_is_quarantined_as_not_allowed(mail_in, sales_box):
    results = f"{TRUSTED_MTA}; dkim=pass header.d=other.fr"
    assert send(mail_in, invoice(to=sales_box, sender="compta@other.fr", results=results))[0] == 250
    assert QuarantinedDocument.objects.get().reason == "not_allowed"
    assert not Document.objects.exists()


def test_refuse_policy_answers_the_same_550_whatever_the_reason(mail_in, sales_box, company, firm_admin):
    mailbox_policy_set(company=company, allowed_senders="@allowed.fr", untrusted="refuse", actor=firm_admin)
    code, text = send(mail_in, invoice(to=sales_box))
    assert (code, text) == (550, "5.7.1 message refusé")
    results = f"{TRUSTED_MTA}; dkim=pass header.d=other.fr"
    code, text = send(mail_in, invoice(to=sales_box, sender="x@other.fr", results=results))
    assert (code, text) == (550, "5.7.1 message refusé")
    assert not Document.objects.exists() and not QuarantinedDocument.objects.exists()


def test_slug_only_and_rotated_addresses_are_refused(mail_in, sales_box, company, firm_admin):
    results = f"{TRUSTED_MTA}; dkim=pass header.d=allowed.fr"
    slug_only = f"ventes+{company.slug}@depot.test"
    assert send(mail_in, invoice(to=slug_only, results=results))[0] == 550
    mailbox_token_rotate(company=company, actor=firm_admin)
    code, text = send(mail_in, invoice(to=sales_box, results=results))
    assert code == 550 and "5.1.1" in text
    new_box = company_mailboxes(company)["ventes"]
    assert new_box != sales_box
    assert send(mail_in, invoice(to=new_box, results=results))[0] == 250
    assert Document.objects.count() == 1


def test_a_firm_may_keep_the_slug_only_addresses(mail_in, sales_box, company, firm_admin):
    mailbox_policy_set(company=company, allowed_senders="@allowed.fr", accept_slug_only=True, actor=firm_admin)
    results = f"{TRUSTED_MTA}; dkim=pass header.d=allowed.fr"
    assert send(mail_in, invoice(to=f"ventes+{company.slug}@depot.test", results=results))[0] == 250
    assert Document.objects.count() == 1


def test_one_mail_to_two_mailboxes_makes_two_documents_and_a_resend_none(mail_in, sales_box, company):
    results = f"{TRUSTED_MTA}; dkim=pass header.d=allowed.fr"
    boxes = company_mailboxes(company)
    message = invoice(to=boxes["ventes"], results=results)
    for _ in range(2):
        assert send(mail_in, message, to=[boxes["ventes"], boxes["achats"]])[0] == 250
    assert sorted(Document.objects.values_list("folder__parent__name", flat=True)) == ["Achats", "Ventes"]


def test_two_from_headers_or_addresses_are_not_authenticated(mail_in, sales_box):
    results = f"{TRUSTED_MTA}; dkim=pass header.d=allowed.fr"
    raw = wire_bytes(invoice(to=sales_box, results=results)).replace(
        b"From: compta@allowed.fr\r\n", b"From: compta@allowed.fr\r\nFrom: pirate@evil.example\r\n")
    assert raw.count(b"From: ") == 2
    assert send(mail_in, raw, to=[sales_box])[0] == 250
    message = invoice(to=sales_box, sender="compta@allowed.fr, pirate@evil.example", results=results,
                      message_id="<f2@allowed.fr>")
    assert send(mail_in, message)[0] == 250
    assert list(QuarantinedDocument.objects.values_list("reason", flat=True)) == ["unauthenticated"] * 2
    assert not Document.objects.exists()


def test_a_from_header_that_reads_two_ways_is_not_authenticated(mail_in, sales_box):
    results = f"{TRUSTED_MTA}; dkim=pass header.d=allowed.fr"
    raw = wire_bytes(invoice(to=sales_box, results=results)).replace(
        b"From: compta@allowed.fr\r\n", b"From: compta@allowed.fr <pirate@evil.example>\r\n")
    assert send(mail_in, raw, to=[sales_box])[0] == 250
    assert QuarantinedDocument.objects.get().reason == "unauthenticated"
    assert not Document.objects.exists()


def test_a_display_name_with_a_period_is_still_an_address(mail_in, sales_box):
    results = f"{TRUSTED_MTA}; dkim=pass header.d=allowed.fr"
    assert send(mail_in, invoice(to=sales_box, sender="J. Martin <compta@allowed.fr>", results=results))[0] == 250
    assert Document.objects.count() == 1 and not QuarantinedDocument.objects.exists()


def test_lmtp_answers_the_policy_per_recipient(settings, company, other_company, upflow, firm_admin,  # noqa: F811
                                               other_firm_admin):
    import smtplib

    from comptoir.intake.smtp import MailInController

    settings.MAIL_DOMAIN = "depot.test"
    settings.COMPTOIR_MAILIN_TRUSTED_AUTHSERV_ID = TRUSTED_MTA
    trust_senders(company, "@allowed.fr")  # quarantines the rest
    trust_senders(other_company, "@allowed.fr", untrusted="refuse")
    ours, theirs = company_mailboxes(company)["ventes"], company_mailboxes(other_company)["ventes"]
    controller = MailInController(host="127.0.0.1", port=0, lmtp=True)
    controller.start()
    try:
        with smtplib.LMTP(controller.hostname, controller.port, timeout=30) as client:
            client.ehlo_or_helo_if_needed()
            client.mail("x@evil.example")
            assert client.rcpt(ours)[0] == 250 and client.rcpt(theirs)[0] == 250
            client.putcmd("data")
            assert client.getreply()[0] == 354
            client.send(wire_bytes(invoice(to=ours)) + b"\r\n.\r\n")
            replies = [client.getreply(), client.getreply()]
    finally:
        controller.stop()
    assert [code for code, _ in replies] == [250, 550]
    assert replies[1][1] == b"5.7.1 message refus\xc3\xa9"
    assert QuarantinedDocument.objects.get().company == company


def test_an_aligned_fail_from_the_trusted_mta_stands_over_a_pass(mail_in, sales_box):
    results = f"{TRUSTED_MTA}; dkim=fail header.d=allowed.fr; spf=pass smtp.mailfrom=allowed.fr"
    assert send(mail_in, invoice(to=sales_box, results=results))[0] == 250
    held = QuarantinedDocument.objects.get()
    assert held.reason == "unauthenticated" and "dkim=fail allowed.fr" in held.authentication
    assert not Document.objects.exists()


def test_our_own_aligned_dkim_pass_overrides_the_mta_fail(mail_in, sales_box, signing_key):
    results = f"{TRUSTED_MTA}; dkim=fail header.d=allowed.fr"
    raw = signing_key(wire_bytes(invoice(to=sales_box)), "allowed.fr")
    stamped = (f"Authentication-Results: {results}\r\nReceived: {RECEIVED_BY_MTA}\r\n").encode() + raw
    assert send(mail_in, stamped, to=[sales_box])[0] == 250
    assert "dkim(comptoir)=pass allowed.fr" in Document.objects.get().source["authentication"]


def test_trusted_results_below_the_border_received_or_without_one_are_not_believed(mail_in, sales_box):
    results = f"{TRUSTED_MTA}; dkim=pass header.d=allowed.fr"
    below = wire_bytes(invoice(to=sales_box, message_id="<below@allowed.fr>"))
    below = (f"Authentication-Results: {TRUSTED_MTA}; dkim=none\r\nReceived: {RECEIVED_BY_MTA}\r\n"
             f"Authentication-Results: {results}\r\n").encode() + below
    assert send(mail_in, below, to=[sales_box])[0] == 250
    direct = wire_bytes(invoice(to=sales_box, message_id="<direct@allowed.fr>"))  # never went through our MTA
    assert send(mail_in, f"Authentication-Results: {results}\r\n".encode() + direct, to=[sales_box])[0] == 250
    assert list(QuarantinedDocument.objects.values_list("reason", flat=True)) == ["unauthenticated"] * 2
    assert not Document.objects.exists()


def test_a_hop_inside_the_mta_does_not_end_its_own_headers(mail_in, sales_box):
    """A content filter re-injecting from loopback adds a Received: above the MTA's own results."""
    reinjected = f"from localhost (localhost [127.0.0.1]) by {TRUSTED_MTA} (Postfix) with ESMTP id 9Z"
    raw = wire_bytes(invoice(to=sales_box, results=f"{TRUSTED_MTA}; dkim=pass header.d=allowed.fr"))
    assert send(mail_in, f"Received: {reinjected}\r\n".encode() + raw, to=[sales_box])[0] == 250
    assert Document.objects.count() == 1


def test_where_no_payables_partner_is_on_an_authenticated_sender_is_enough(mail_in, sales_box, company):
    purchases = company_mailboxes(company)["achats"]
    results = f"{TRUSTED_MTA}; dkim=pass header.d=nouveau-fournisseur.fr"
    assert send(mail_in, invoice(to=purchases, sender="compta@nouveau-fournisseur.fr", results=results))[0] == 250
    assert Document.objects.get().folder.parent.name == "Achats"
    # Unauthenticated mail still waits, in every mailbox.
    assert send(mail_in, invoice(to=purchases, sender="compta@nouveau-fournisseur.fr",
                                 message_id="<f2@allowed.fr>"))[0] == 250
    assert QuarantinedDocument.objects.get().reason == "unauthenticated"
    assert Document.objects.count() == 1


def test_always_allowing_the_sender_on_approval_deposits_its_next_mail(mail_in, sales_box, company, firm_member):
    results = f"{TRUSTED_MTA}; dkim=pass header.d=other.fr"
    send(mail_in, invoice(to=sales_box, sender="compta@other.fr", results=results))
    held = QuarantinedDocument.objects.get()
    assert held.reason == "not_allowed"  # « Ventes » goes to Upflow: the strict rule
    quarantine_approve(item=held, actor=firm_member, allow_sender=True)
    assert "compta@other.fr" in mailbox_policy_for(company=company).sender_patterns()
    send(mail_in, invoice(to=sales_box, sender="compta@other.fr", results=results, message_id="<f9@other.fr>"))
    assert Document.objects.count() == 2 and QuarantinedDocument.objects.count() == 1


def test_an_unauthenticated_sender_cannot_be_always_allowed(mail_in, sales_box, company, firm_member):
    send(mail_in, invoice(to=sales_box, sender="compta@other.fr"))
    held = QuarantinedDocument.objects.get()
    with pytest.raises(ComptoirError):
        quarantine_approve(item=held, actor=firm_member, allow_sender=True)
    held.refresh_from_db()
    assert held.status == "pending" and "compta@other.fr" not in mailbox_policy_for(company=company).sender_patterns()
