"""Promises 5–8 against a real SMTP server on loopback (aiosmtpd): what the partner receives, and when."""

import time

import pytest
from django.core import mail
from django.utils import timezone

from comptoir.delivery.models import DeliveryAttempt
from comptoir.delivery.notifications import failure_notices_send
from comptoir.delivery.retry_schedule import MAX_ATTEMPTS
from comptoir.delivery.services import delivery_retry
from comptoir.jobs.mail_outbox import mails_send_due
from comptoir.partners.models import Delivery, DeliveryStatus
from comptoir.partners.services import connection_revoke, connection_set
from tests.delivery.conftest import UPFLOW_ADDRESS, drain, later, ventes
from tests.factories import deposit_pdf, folder_named
from tests.loopback import free_port
from tests.smtp_server import mailers_point_at

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n.\r\n..leading dots\n%%EOF\n"


def test_document_deposited_in_an_on_folder_arrives_with_its_bytes_headers_and_subject(
        smtp_server, upflow, company, firm, firm_admin, settings):
    firm.sender_name = "Cabinet Alpha Expertise"
    firm.save()
    document = deposit_pdf(ventes(company), actor=firm_admin, name="Facture N°42 été.pdf", content=PDF)
    delivery = Delivery.objects.get(document=document)
    assert delivery.status == DeliveryStatus.PENDING

    assert drain() == 1

    [message] = smtp_server.wait_for(1)
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == [UPFLOW_ADDRESS]
    assert envelope.mail_from == settings.SENDER_ADDRESS
    assert message["To"] == UPFLOW_ADDRESS
    assert message["From"].addresses[0].display_name == "Cabinet Alpha Expertise"
    assert message["From"].addresses[0].addr_spec == settings.SENDER_ADDRESS
    assert message["Subject"] == "Boulangerie Alpha – Facture N°42 été.pdf"
    assert message["Message-ID"] == f"<delivery-{delivery.pk}@{settings.MAIL_DOMAIN}>"
    assert message["X-Comptoir-Delivery-Id"] == str(delivery.pk)
    assert message["Auto-Submitted"] == "auto-generated"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Boulangerie Alpha" in body and "Ventes" in body and "admin@alpha.fr" in body
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "Facture N°42 été.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == PDF

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.sent_at is not None and abs((timezone.now() - delivery.sent_at).total_seconds()) < 30
    [attempt] = DeliveryAttempt.objects.filter(delivery=delivery)
    assert attempt.outcome == "sent" and attempt.reply.startswith("250")


def test_deposit_outside_an_on_folder_sends_nothing(smtp_server, upflow, company, firm_admin):
    deposit_pdf(folder_named(company, "Achats"), actor=firm_admin)
    assert drain() == 0
    assert smtp_server.messages == []


def test_451_then_250_is_retried_later_and_sent_once(smtp_server, upflow, company, firm_admin):
    smtp_server.reply_with("451 4.3.0 Mailbox temporarily unavailable", times=1)
    document = deposit_pdf(ventes(company), actor=firm_admin)
    drain()
    delivery = Delivery.objects.get(document=document)
    assert delivery.status == DeliveryStatus.RETRYING
    assert "451" in delivery.last_error
    # Exponential backoff with jitter: the first wait is about a minute, not now.
    assert timezone.now() + timezone.timedelta(seconds=40) < delivery.next_attempt_at
    assert drain() == 0

    assert drain(now=later(minutes=2)) == 1
    smtp_server.wait_for(1)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert [a.outcome for a in DeliveryAttempt.objects.filter(delivery=delivery)] == ["transient", "sent"]
    assert len(smtp_server.messages) == 1


def test_550_fails_with_the_server_reply_then_corrected_address_and_retry_sends(
        smtp_server, upflow, company, firm_admin):
    smtp_server.reply_with("550 5.1.1 <factures-boulangerie@upflow.example>: mailbox unavailable",
                           times=1, stage="rcpt")
    document = deposit_pdf(ventes(company), actor=firm_admin)
    drain()
    delivery = Delivery.objects.get(document=document)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error.startswith("550 5.1.1") and "mailbox unavailable" in delivery.last_error
    assert drain(now=later(days=2)) == 0, "a permanent failure waits for a person"

    connection_set(installation=upflow.installation, company=company,
                   destinations={"collection": "bonne-adresse@upflow.example"}, actor=firm_admin)
    delivery_retry(delivery=delivery, actor=firm_admin)
    assert drain() == 1
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "bonne-adresse@upflow.example"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT


def test_smtp_server_down_then_up_every_pending_delivery_arrives_exactly_once(
        smtp_server, upflow, company, firm_admin, settings):
    mailers_point_at(settings, smtp_server.host, free_port())
    documents = [deposit_pdf(ventes(company), actor=firm_admin, name=f"f{i}.pdf") for i in range(12)]
    drain()
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.RETRYING}
    drain(now=later(minutes=1, seconds=30))  # still down: the second attempt fails too
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {2}

    mailers_point_at(settings, smtp_server.host, smtp_server.port)
    drain(now=later(hours=1))
    smtp_server.wait_for(12)
    ids = sorted(int(m["X-Comptoir-Delivery-Id"]) for m in smtp_server.messages)
    assert ids == sorted(Delivery.objects.filter(document__in=documents).values_list("pk", flat=True))
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert drain(now=later(days=2)) == 0


def test_attempts_exhausted_make_the_delivery_dead(upflow, company, firm_admin, settings):
    mailers_point_at(settings, "127.0.0.1", free_port())
    document = deposit_pdf(ventes(company), actor=firm_admin)
    moment = timezone.now()
    for _ in range(MAX_ATTEMPTS + 2):
        drain(now=moment)
        moment += timezone.timedelta(days=1)
    delivery = Delivery.objects.get(document=document)
    assert delivery.status == DeliveryStatus.DEAD
    assert delivery.attempts == MAX_ATTEMPTS


def test_deposit_never_fails_nor_slows_when_the_smtp_server_is_down(smtp_server, upflow, company, firm_admin,
                                                                       settings):
    def deposit_time() -> float:
        started = time.perf_counter()
        for i in range(10):
            deposit_pdf(ventes(company), actor=firm_admin, name=f"d{i}.pdf")
        return time.perf_counter() - started

    deposit_time()  # warm-up
    up = deposit_time()
    mailers_point_at(settings, "127.0.0.1", free_port())
    down = deposit_time()
    assert Delivery.objects.filter(status=DeliveryStatus.PENDING).count() == 30
    assert down < max(up * 5, 0.5), f"deposits took {down:.3f}s with SMTP down vs {up:.3f}s up"


def test_revoked_connection_cancels_pending_and_nothing_is_sent(smtp_server, upflow, company, firm_admin):
    document = deposit_pdf(ventes(company), actor=firm_admin)
    connection_revoke(connection=upflow, actor=firm_admin)
    assert drain() == 0
    assert Delivery.objects.get(document=document).status == DeliveryStatus.CANCELLED
    assert smtp_server.messages == []


def test_skipped_document_is_never_sent(smtp_server, upflow, company, firm_admin):
    from django.core.files.base import ContentFile

    from comptoir.ged.services import document_deposit

    document = document_deposit(folder=ventes(company), file=ContentFile(b"col1;col2\n1;2\n", name="export.csv"),
                                channel="web", actor=firm_admin, filename="export.csv")
    delivery = Delivery.objects.get(document=document)
    assert delivery.status == DeliveryStatus.SKIPPED
    assert drain() == 0
    assert smtp_server.messages == []


def test_an_expired_lease_is_claimed_again_by_another_worker(smtp_server, upflow, company, firm_admin, settings):
    from comptoir.delivery.services import delivery_claim

    document = deposit_pdf(ventes(company), actor=firm_admin)
    delivery = Delivery.objects.get(document=document)
    assert delivery_claim(delivery_id=delivery.pk, worker_id="crashed") is not None
    assert drain(worker_id="other") == 0, "a live lease is not taken"
    assert drain(worker_id="other", now=later(seconds=settings.COMPTOIR_DELIVERY_LEASE_SECONDS + 1)) == 1
    smtp_server.wait_for(1)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2


def test_permanent_failures_are_reported_to_firm_admins_in_one_grouped_email(
        upflow, company, firm, firm_admin, firm_member, settings):
    from tests.smtp_server import SmtpServer

    server = SmtpServer().start()
    mailers_point_at(settings, server.host, server.port, portal_mail=False)
    try:
        server.reply_with("554 5.7.1 Message rejected", times=3)
        for i in range(3):
            deposit_pdf(ventes(company), actor=firm_admin, name=f"rejet-{i}.pdf")
        drain()
    finally:
        server.stop()
    assert Delivery.objects.filter(status=DeliveryStatus.FAILED).count() == 3
    assert failure_notices_send(worker_id="w1") == 1
    assert failure_notices_send(worker_id="w2") == 0, "each failure is reported once"
    assert mail.outbox == [], "the report goes through the mail outbox, sent by a worker"
    assert mails_send_due(worker_id="w1") == 1
    assert mails_send_due(worker_id="w2") == 0
    [report] = mail.outbox
    assert report.to == ["admin@alpha.fr"]
    assert "3 envoi(s)" in report.subject
    # White label: the firm's name and the app's, never « Comptoir » nor a slug.
    assert report.subject.startswith(f"{firm.name} : ") and "Comptoir" not in report.subject
    assert "→ Upflow (" in report.body and "→ upflow" not in report.body
    assert "rejet-0.pdf" in report.body and "rejet-2.pdf" in report.body and "554 5.7.1" in report.body


@pytest.mark.parametrize("address", ["pas-une-adresse", "a@b"])
def test_an_invalid_address_fails_permanently_without_contacting_the_server(smtp_server, upflow, company,
                                                                             firm_admin, address):
    document = deposit_pdf(ventes(company), actor=firm_admin)
    upflow.destinations.update(address=address)
    drain()
    delivery = Delivery.objects.get(document=document)
    assert delivery.status == DeliveryStatus.FAILED
    assert "invalide" in delivery.last_error
    assert smtp_server.messages == []
