"""The digest email: off by default, sent when due through real SMTP, never empty, never twice a period."""

from datetime import timedelta

import pytest
from django.utils import timezone

from comptoir.jobs.mail_outbox import mails_send_due
from comptoir.web.digest import digest_send_due
from comptoir.web.models import DigestPreference
from tests.factories import deposit_pdf, folder_named

pytestmark = pytest.mark.django_db


def test_nobody_gets_a_digest_without_asking(firm_admin, client_user, company, smtp_server):
    deposit_pdf(folder_named(company, "Ventes"), actor=client_user)
    assert digest_send_due() == 0
    assert smtp_server.messages == []


def test_daily_digest_says_what_happened_once_a_day(firm_admin, client_user, company, smtp_server):
    DigestPreference.objects.create(user=firm_admin, frequency="daily")
    deposit_pdf(folder_named(company, "Ventes"), actor=client_user, name="releve.pdf")
    assert digest_send_due() == 1
    mails_send_due(worker_id="test:1:0")  # what the worker does with the queued digest
    [message] = smtp_server.wait_for(1)
    assert message["To"] == firm_admin.email
    assert message["Subject"] == "Cabinet Alpha : ce qui s'est passé dans vos entreprises"
    assert message.get_content_type() == "multipart/alternative"
    assert "Boulangerie Alpha : 1 document" in message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Boulangerie Alpha : 1 document" in html and "Cabinet Alpha" in html
    assert f"background:{company.firm.primary_color}" in html and "<style" not in html
    # Not twice in the same day, even with news.
    deposit_pdf(folder_named(company, "Ventes"), actor=client_user, name="autre.pdf", content=b"%PDF-1.4 autre")
    assert digest_send_due() == 0
    # The next day: only what is new since the last one.
    later = timezone.now() + timedelta(days=1, minutes=1)
    assert digest_send_due(now=later) == 1
    mails_send_due(worker_id="test:1:0", now=later)
    second = smtp_server.wait_for(2)[1]
    assert "Boulangerie Alpha : 1 document" in second.get_body(("plain",)).get_content()


def test_no_empty_digest(firm_admin, company, smtp_server):
    DigestPreference.objects.create(user=firm_admin, frequency="weekly")
    assert digest_send_due() == 0 and smtp_server.messages == []


def test_a_client_digest_covers_only_their_company(client_user, company, other_client_user, smtp_server):
    DigestPreference.objects.create(user=client_user, frequency="daily")
    deposit_pdf(folder_named(other_client_user.membership.company, "Ventes"), actor=other_client_user,
                name="voisin.pdf")
    assert digest_send_due() == 0
