"""Invitations that work: a link to where the server runs, a plain subject, resend and cancel."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comptoir.firms.models import Invitation, Role
from comptoir.jobs.mail_outbox import mails_send_due
from comptoir.jobs.models import MailStatus, OutgoingMail
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _link_token(message) -> str:
    """The raw token of the link in an invitation mail (the row only keeps its hash)."""
    return re.search(r"/comptes/invitation/([^/\s]+)/", message.get_content()).group(1)


def _invite(client, company, capture, email="nouveau@client.fr"):
    with capture(execute=True):
        response = client.post(reverse("firms:invite", args=[company.pk]), {"email": email,
                                                                               "role": Role.CLIENT_MEMBER}, follow=True)
    mails_send_due(worker_id="test:1:0")  # what the worker does with the queued invitation
    return response


def test_invitation_link_is_absolute_on_the_base_url_and_subject_is_not_escaped(
        admin_client, firm, company, smtp_server, settings, django_capture_on_commit_callbacks):
    settings.BASE_URL = "http://portail.example:8123"
    firm.name = "Cabinet Démo & Associés"
    firm.save(update_fields=["name"])
    _invite(admin_client, company, django_capture_on_commit_callbacks)
    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == "Cabinet Démo & Associés vous invite sur son portail"
    body = message.get_content()
    assert "&amp;" not in body
    assert f"http://portail.example:8123/comptes/invitation/{_link_token(message)}/" in body
    # The firm's own login page, for the next visits.
    assert f"http://portail.example:8123/connexion/{firm.slug}/" in body
    assert message["X-Comptoir-Firm-Id"] == str(firm.pk)


def test_resend_gives_a_new_link_and_the_old_one_stops_working(
        admin_client, company, smtp_server, django_capture_on_commit_callbacks):
    _invite(admin_client, company, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get(email="nouveau@client.fr")
    old_token = _link_token(smtp_server.wait_for(1)[0])
    old_url = reverse("firms:invitation_accept", args=[old_token])
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    page = admin_client.get(reverse("web:company", args=[company.pk])).text
    assert "expirée le" in page and "Renvoyer" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("web:invitation_resend", args=[company.pk, invitation.pk]), follow=True)
    mails_send_due(worker_id="test:1:0")
    assert "Invitation envoyée à nouveau à nouveau@client.fr" in response.text
    first, second = smtp_server.wait_for(2)
    new_token = _link_token(second)
    assert new_token != old_token
    assert Client().get(old_url).status_code == 404
    assert Client().get(reverse("firms:invitation_accept", args=[new_token])).status_code == 200
    invitation.refresh_from_db()
    assert invitation.expires_at > timezone.now() + timedelta(days=6)


def test_sent_invitation_keeps_no_token_in_the_outbox_and_a_resend_is_a_new_mail_with_a_new_token(
        admin_client, company, smtp_server, django_capture_on_commit_callbacks):
    smtp_server.reply_with("451 4.3.0 try again later")  # the first try fails: the queued row must keep its body
    _invite(admin_client, company, django_capture_on_commit_callbacks)
    row = OutgoingMail.objects.get(key__startswith="invitation:")
    assert row.status == MailStatus.RETRYING and "/comptes/invitation/" in row.body

    OutgoingMail.objects.filter(pk=row.pk).update(next_attempt_at=None)
    mails_send_due(worker_id="test:1:0")
    token = _link_token(smtp_server.wait_for(1)[0])
    row.refresh_from_db()
    assert row.status == MailStatus.SENT and row.subject.endswith("vous invite sur son portail")
    assert token not in row.body and token not in row.html_body and "/comptes/invitation/" not in row.body

    invitation = Invitation.objects.get(email="nouveau@client.fr")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("web:invitation_resend", args=[company.pk, invitation.pk]))
    mails_send_due(worker_id="test:1:0")
    new_token = _link_token(smtp_server.wait_for(2)[1])
    assert new_token != token
    rows = list(OutgoingMail.objects.filter(key__startswith="invitation:"))
    assert len(rows) == 2 and all(r.status == MailStatus.SENT for r in rows)
    assert not any(t in r.body for r in rows for t in (token, new_token))


def test_cancelled_invitation_link_is_dead_and_leaves_the_list(
        admin_client, company, smtp_server, django_capture_on_commit_callbacks):
    _invite(admin_client, company, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get(email="nouveau@client.fr")
    token = _link_token(smtp_server.wait_for(1)[0])
    response = admin_client.post(reverse("web:invitation_cancel", args=[company.pk, invitation.pk]), follow=True)
    assert "L'invitation de nouveau@client.fr est annulée." in response.text.replace("&#x27;", "'")
    assert "Invitations en attente" not in response.text
    assert Client().get(reverse("firms:invitation_accept", args=[token])).status_code == 404
    # Cancelled once: a second cancel or a resend finds nothing.
    assert admin_client.post(reverse("web:invitation_cancel", args=[company.pk, invitation.pk])).status_code == 404
    assert admin_client.post(reverse("web:invitation_resend", args=[company.pk, invitation.pk])).status_code == 404


def test_a_client_member_cannot_resend_or_cancel(company, client_user, smtp_server,
                                                  django_capture_on_commit_callbacks):
    from tests.factories import UserFactory, membership_for

    member = membership_for(UserFactory(email="simple@boulangerie.fr"), firm=company.firm, role="client_member",
                            company=company).user
    _invite(login(client_user), company, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get(email="nouveau@client.fr")
    assert login(member).post(reverse("web:invitation_cancel", args=[company.pk, invitation.pk])).status_code == 403
    invitation.refresh_from_db()
    assert invitation.cancelled_at is None


def test_invitation_appears_in_the_local_outbox_of_its_firm_only(
        admin_client, firm, company, other_firm_admin, settings, django_capture_on_commit_callbacks):
    """Through the embedded sink itself (a real aiosmtpd on loopback writing .eml files)."""
    from aiosmtpd.controller import Controller

    from comptoir.delivery.sink import SinkHandler, outbox_dir
    from tests.loopback import free_port
    from tests.smtp_server import mailers_point_at

    port = free_port()
    controller = Controller(SinkHandler(outbox_dir()), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMBEDDED, settings.COMPTOIR_SMTP_SINK = True, True
        mailers_point_at(settings, "127.0.0.1", port)
        _invite(admin_client, company, django_capture_on_commit_callbacks)
    finally:
        controller.stop()
    page = admin_client.get(reverse("delivery:outbox")).text
    assert "nouveau@client.fr" in page and "Cabinet Alpha vous invite sur son portail" in page
    assert "nouveau@client.fr" not in login(other_firm_admin).get(reverse("delivery:outbox")).text


def test_local_sink_refuses_the_demo_failure_address_with_550(settings):
    import smtplib

    from aiosmtpd.controller import Controller

    from comptoir.delivery.sink import REFUSED_ADDRESS, SinkHandler, outbox_dir
    from tests.loopback import free_port

    port = free_port()
    controller = Controller(SinkHandler(outbox_dir()), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
                smtp.sendmail("envoi@comptoir.localhost", [REFUSED_ADDRESS], b"Subject: x\r\n\r\nx")
            assert refused.value.recipients[REFUSED_ADDRESS][0] == 550
            smtp.sendmail("envoi@comptoir.localhost", ["upflow-demo@factures.localhost"], b"Subject: y\r\n\r\ny")
    finally:
        controller.stop()
    assert len(list(outbox_dir().glob("*.eml"))) == 1


@pytest.mark.parametrize("outcome", ["failed", "dead"])
def test_an_invitation_that_failed_or_died_keeps_no_working_link(outcome, admin_client, company, smtp_server,
                                                                 monkeypatch, django_capture_on_commit_callbacks):
    """Issue 22, finding 10: the row of a mail that will never go out must not keep the token either."""
    from comptoir.jobs import mail_outbox

    smtp_server.reply_with("550 5.1.1 no such user" if outcome == "failed" else "451 4.3.0 try again later")
    monkeypatch.setattr(mail_outbox, "MAX_ATTEMPTS", 1)  # for "dead": the one attempt made is the last
    _invite(admin_client, company, django_capture_on_commit_callbacks)
    row = OutgoingMail.objects.get(key__startswith="invitation:")
    assert row.status == outcome
    assert row.body == "" and row.html_body == "" and row.subject.endswith("vous invite sur son portail")
