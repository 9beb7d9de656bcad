"""Answered by any channel: a phone photo and a mail reply to the reminder land in the request's folder, mark
their items provided and, the folder being switched on for Upflow, are delivered once. A mail reply that is not
authenticated waits in « À valider » (a token routes, it does not prove the sender)."""

import datetime as dt
import io
from email.message import EmailMessage

import pytest
from django.utils import timezone
from PIL import Image

from comptoir.docrequests.addresses import request_address
from comptoir.docrequests.jobs import reminders_send
from comptoir.docrequests.services import docrequest_create
from comptoir.ged.models import Document
from comptoir.intake.models import QuarantinedDocument
from comptoir.intake.services.quarantine import quarantine_approve
from comptoir.jobs.mail_outbox import mails_send_due
from comptoir.partners.models import Delivery
from tests.conftest import login
from tests.delivery.conftest import UPFLOW_ADDRESS, drain
from tests.docrequests.conftest import ventes_month
from tests.factories import PDF_BYTES
from tests.intake.conftest import RECEIVED_BY_MTA, TRUSTED_MTA
from tests.intake.test_mail_in import send

pytestmark = pytest.mark.django_db(transaction=True)


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 180, 150)).save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.fixture
def request_due(company, firm_admin, client_user, upflow):
    today = timezone.localdate()
    return docrequest_create(company=company, title="Factures de ventes", actor=firm_admin,
                             due_date=today + dt.timedelta(days=1), folder=ventes_month(company, today),
                             addressees=[client_user], items=["facture Durand", "facture Martin"])


def at_upflow(smtp_server) -> list:
    return [m for m in smtp_server.messages if m["To"] == UPFLOW_ADDRESS]


def reply(*, to: str, sender: str, authenticated: bool, in_reply_to: str = "") -> EmailMessage:
    message = EmailMessage()
    if authenticated:
        message["Authentication-Results"] = f"{TRUSTED_MTA}; dkim=pass header.d={sender.rpartition('@')[2]}"
        message["Received"] = RECEIVED_BY_MTA
    message["From"], message["To"], message["Subject"] = sender, to, "Re: Relance : Factures de ventes"
    message["Message-ID"] = "<reply-1@boulangerie.fr>"
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    message.set_content("Voici la facture Martin.")
    message.add_attachment(PDF_BYTES, maintype="application", subtype="pdf", filename="martin.pdf")
    return message


def test_phone_photo_and_mail_reply_land_in_the_folder_mark_items_and_reach_upflow_once(
        mail_in, request_due, client_user, smtp_server, firm):
    durand, martin = request_due.items.all()
    # The phone: the « À fournir » upload zone, a photo from the camera.
    photo = io.BytesIO(jpeg())
    photo.name = "IMG_2041.jpg"
    response = login(client_user).post(f"/demandes/{request_due.pk}/repondre/",
                                       {"item": durand.pk, "photos": photo, "next": "to_provide"})
    assert response.status_code == 302
    photo_doc = Document.objects.get(channel="phone")
    assert photo_doc.folder == request_due.folder and photo_doc.content_type == "image/jpeg"
    durand.refresh_from_db()
    assert durand.status == "provided"

    # The reminder, then a reply to it (to its Reply-To), authenticated, from the addressee.
    reminders_send(firm_id=firm.pk, now=timezone.now())
    mails_send_due(worker_id="test:1")
    reminder = smtp_server.wait_until(lambda ms: any(m["Subject"].startswith("Relance") for m in ms), what="reminder")
    reminder = next(m for m in reminder if m["Subject"].startswith("Relance"))
    assert reminder["Reply-To"] == request_address(request_due.token)
    message = reply(to=reminder["Reply-To"], sender=client_user.email, authenticated=True,
                    in_reply_to=reminder["Message-ID"])
    assert send(mail_in, message, sender=client_user.email)[0] == 250
    assert send(mail_in, message, sender=client_user.email)[0] == 250  # the MTA retransmits it
    mail_doc = Document.objects.get(channel="email")
    assert mail_doc.folder == request_due.folder and mail_doc.name == "martin.pdf"
    martin.refresh_from_db()
    request_due.refresh_from_db()
    assert martin.status == "provided" and request_due.status == "provided"
    assert request_due.answers.count() == 2

    assert drain() == 2
    smtp_server.wait_until(lambda ms: len(at_upflow(smtp_server)) == 2, what="two documents at Upflow")
    assert drain() == 0
    assert sorted(d.document_id for d in Delivery.objects.filter(status="sent")) == sorted([photo_doc.pk, mail_doc.pk])
    assert len(at_upflow(smtp_server)) == 2


def test_unauthenticated_reply_waits_in_quarantine_until_approved(mail_in, request_due, firm_member, smtp_server):
    address = request_address(request_due.token)
    assert send(mail_in, reply(to=address, sender="client@boulangerie.fr", authenticated=False))[0] == 250
    held = QuarantinedDocument.objects.get()
    assert held.folder == request_due.folder and held.reason == "unauthenticated"
    assert not Document.objects.exists()
    assert set(request_due.items.values_list("status", flat=True)) == {"pending"}
    assert drain() == 0 and at_upflow(smtp_server) == []

    document = quarantine_approve(item=held, actor=firm_member)
    assert document.folder == request_due.folder
    assert request_due.items.filter(status="provided").count() == 1
    assert drain() == 1
    smtp_server.wait_until(lambda ms: len(at_upflow(smtp_server)) == 1, what="one document at Upflow")


def test_authenticated_stranger_is_not_an_addressee_and_waits(mail_in, request_due):
    address = request_address(request_due.token)
    assert send(mail_in, reply(to=address, sender="someone@elsewhere.fr", authenticated=True))[0] == 250
    assert QuarantinedDocument.objects.get().reason == "not_allowed"
    assert not Document.objects.exists()


def test_an_unknown_or_closed_request_address_is_refused_at_rcpt(mail_in, request_due, firm_member):
    from comptoir.docrequests.services import docrequest_close

    code, _text = send(mail_in, reply(to=request_address("0" * 20), sender="x@y.fr", authenticated=True))
    assert code == 550
    docrequest_close(request=request_due, actor=firm_member)
    code, _text = send(mail_in, reply(to=request_address(request_due.token), sender="x@y.fr", authenticated=True))
    assert code == 550
