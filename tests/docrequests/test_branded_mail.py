"""Reminders and digests in the firm's name and colours: multipart/alternative, an HTML part with inline
styles (mail clients drop <style>), and a text part that still says everything. Through the mail outbox to a
real SMTP server on loopback."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from comptoir.docrequests.jobs import reminders_send
from comptoir.docrequests.services import docrequest_create
from comptoir.jobs.mail_outbox import mails_send_due
from tests.docrequests.conftest import ventes_month

pytestmark = pytest.mark.django_db
COLOUR = "#8a1c7c"


@pytest.fixture
def branded_firm(firm, settings):
    settings.BASE_URL = "http://portail.example"
    firm.name, firm.primary_color = "Cabinet Rivière & Fils", COLOUR
    firm.save(update_fields=["name", "primary_color"])
    return firm


def _nine(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9, 0), tzinfo=timezone.get_default_timezone())


def _parts(message) -> tuple[str, str]:
    assert message.get_content_type() == "multipart/alternative"
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def _send_reminders_of(day: dt.date, firm, smtp_server) -> list:
    before = len(smtp_server.messages)
    reminders_send(firm_id=firm.pk, now=_nine(day))
    while mails_send_due(worker_id="test:1:0", now=_nine(day) + dt.timedelta(minutes=1)):
        pass
    return smtp_server.messages[before:]


def test_reminder_is_html_in_the_firm_colour_and_name_with_the_items_and_text_keeps_everything(
        branded_firm, company, firm_admin, client_user, smtp_server):
    today = timezone.localdate()
    request = docrequest_create(company=company, title="Relevés bancaires de novembre", actor=firm_admin,
                                due_date=today + dt.timedelta(days=7), folder=ventes_month(company, today),
                                addressees=[client_user], items=["relevé BNP", "relevé <Qonto>"])
    mails_send_due(worker_id="test:1:0")  # the « documents demandés » notice, branded too
    notice_text, notice_html = _parts(smtp_server.wait_for(1)[0])
    assert "relevé BNP" in notice_text and COLOUR in notice_html and "relevé BNP" in notice_html

    [reminder] = _send_reminders_of(today, branded_firm, smtp_server)  # 7 days before the due date
    assert reminder["Subject"].startswith("Relance : Relevés bancaires de novembre")
    text, html = _parts(reminder)
    # The HTML: the firm's colour inline (no <style> block), its name (escaped), the request and its items.
    assert re.search(rf'style="[^"]*background:{COLOUR}', html) and "<style" not in html
    assert "Cabinet Rivière &amp; Fils" in html and "Relevés bancaires de novembre" in html
    assert "<li" in html and "relevé BNP" in html and "relevé &lt;Qonto&gt;" in html
    assert f'href="http://portail.example{reverse("docrequests:detail", args=[request.pk])}"' in html
    assert f"demande+{request.token}@" in html
    # The text part alone says all of it.
    assert "Cabinet Rivière & Fils attend encore ces documents" in text
    assert "- relevé BNP" in text and "- relevé <Qonto>" in text
    assert f"/demandes/{request.pk}/" in text and f"demande+{request.token}@" in text
    assert "<" not in text.replace("<Qonto>", "")


def test_digest_is_html_in_the_firm_colour_with_each_request_and_its_items(
        branded_firm, company, firm_admin, client_user, smtp_server):
    today = timezone.localdate()
    folder = ventes_month(company, today)
    for title, items in (("TVA de novembre", ["déclaration CA3"]), ("Relevés de novembre", ["relevé BNP"])):
        docrequest_create(company=company, title=title, actor=firm_admin, due_date=today, folder=folder,
                          addressees=[client_user], items=items)
    mails_send_due(worker_id="test:1:0")
    smtp_server.wait_for(2)

    [digest] = _send_reminders_of(today, branded_firm, smtp_server)  # both due today: one digest
    assert digest["Subject"] == "2 demandes de documents en attente"
    text, html = _parts(digest)
    assert COLOUR in html and "Cabinet Rivière &amp; Fils" in html and "<style" not in html
    for title, item in (("TVA de novembre", "déclaration CA3"), ("Relevés de novembre", "relevé BNP")):
        assert title in html and item in html
        assert title in text and item in text
    home = "http://portail.example" + reverse("docrequests:to_provide")
    assert home in text and f'href="{home}"' in html
