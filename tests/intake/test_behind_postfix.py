"""Mail-in behind the MTA firms run: Debian's Postfix relays to the listener by LMTP, OpenDKIM (milter)
writes `Authentication-Results`. A private instance (own config, queue and ports: `tests/intake/mta.py`).

What it proves: a header the sender wrote, below Postfix's `Received:`, is not believed even when it
names our MTA; OpenDKIM's verdict decides.
"""

import base64
import smtplib
import socket
import time
from email.message import EmailMessage

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from comptoir.ged.models import Document
from comptoir.intake.models import QuarantinedDocument
from comptoir.intake.selectors import company_mailboxes
from comptoir.intake.smtp import MailInController
from tests.delivery.conftest import upflow  # noqa: F401 - the fixture
from tests.factories import PDF_BYTES
from tests.intake.conftest import TRUSTED_MTA, trust_senders
from tests.intake.mta import mta_available, mta_running
from tests.intake.test_mail_in import wire_bytes

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.embedded_only,
              pytest.mark.skipif(not mta_available(), reason="needs Debian's postfix and opendkim, as root "
                                                             "(bin/test-deps installs them)")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def lmtp_port() -> int:
    return _free_port()


@pytest.fixture(scope="module")
def mta(lmtp_port):
    with mta_running(hostname=TRUSTED_MTA, mail_domain="depot.test", lmtp_port=lmtp_port) as running:
        yield running


@pytest.fixture(scope="module")
def dkim_key(mta):
    """`sel._domainkey.allowed.fr`, published where OpenDKIM looks (no DNS here)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    mta.publish_key(selector="sel", domain="allowed.fr",
                    record="v=DKIM1; k=rsa; p=" + base64.b64encode(public).decode())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())


@pytest.fixture
def behind_postfix(settings, mta, lmtp_port, company, upflow):  # noqa: F811 - the fixture imported above
    """The LMTP listener Postfix relays to; the sales mailbox (Upflow on: the strict rule) allows @allowed.fr."""
    settings.MAIL_DOMAIN = "depot.test"
    settings.COMPTOIR_MAILIN_TRUSTED_AUTHSERV_ID = TRUSTED_MTA
    trust_senders(company, "@allowed.fr")
    controller = MailInController(host="127.0.0.1", port=lmtp_port, lmtp=True, dnsfunc=lambda *_, **__: None)
    controller.start()
    try:
        yield company_mailboxes(company)["ventes"]
    finally:
        controller.stop()


def _invoice(*, to: str, message_id: str, written_by_sender: str = "") -> bytes:
    message = EmailMessage()
    if written_by_sender:
        message["Authentication-Results"] = written_by_sender
    message["From"], message["To"], message["Subject"] = "compta@allowed.fr", to, "Facture 2026-117"
    message["Message-ID"] = message_id
    message.set_content("Veuillez trouver notre facture ci-jointe.")
    message.add_attachment(PDF_BYTES, maintype="application", subtype="pdf", filename="facture.pdf")
    return wire_bytes(message)


def _through_postfix(mta, raw: bytes, to: str) -> None:
    with smtplib.SMTP("127.0.0.1", mta.smtp_port, local_hostname="mail.allowed.fr", timeout=30) as client:
        client.sendmail("compta@allowed.fr", [to], raw)


def _arrived(timeout: float = 20) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kept = [*Document.objects.all(), *QuarantinedDocument.objects.all()]
        if kept:
            return kept
        time.sleep(0.05)
    raise AssertionError("nothing reached mail-in through Postfix")


def test_a_header_the_sender_wrote_below_postfix_received_is_not_believed(mta, behind_postfix):
    # OpenDKIM drops a forged dkim= result naming our MTA, not an spf= one: that one reaches Comptoir.
    forged = f"{TRUSTED_MTA}; spf=pass smtp.mailfrom=allowed.fr"
    _through_postfix(mta, _invoice(to=behind_postfix, message_id="<forged@allowed.fr>", written_by_sender=forged),
                     behind_postfix)
    [held] = _arrived()
    assert isinstance(held, QuarantinedDocument), mta.log()
    assert held.reason == "unauthenticated"
    assert "dkim=none" in held.authentication and "spf=pass" not in held.authentication


def test_opendkim_verdict_decides(mta, behind_postfix, dkim_key):
    raw = _invoice(to=behind_postfix, message_id="<signed@allowed.fr>")
    signed = dkim.sign(raw, b"sel", b"allowed.fr", dkim_key, include_headers=[b"from", b"to", b"subject",
                                                                              b"message-id"]) + raw
    tampered = signed.replace(b"Facture 2026-117", b"Facture 2026-999").replace(b"<signed@", b"<tampered@")
    _through_postfix(mta, tampered, behind_postfix)
    [held] = _arrived()
    assert isinstance(held, QuarantinedDocument) and held.reason == "unauthenticated", mta.log()
    assert "dkim=fail allowed.fr" in held.authentication
    _through_postfix(mta, signed, behind_postfix)
    deadline = time.monotonic() + 20
    while not Document.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    document = Document.objects.get()
    assert "dkim=pass allowed.fr" in document.source["authentication"]
    assert document.folder.parent.name == "Ventes"
