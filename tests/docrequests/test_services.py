"""Requests: created by the firm, answered through the one deposit service, reviewed by the firm."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from comptoir.core.errors import ComptoirError, PermissionDenied
from comptoir.core.models import AuditEvent
from comptoir.docrequests.models import DocumentRequest
from comptoir.docrequests.services import (
    docrequest_answer_deposit,
    docrequest_close,
    docrequest_create,
    docrequest_item_unavailable,
    docrequest_send_back,
)
from comptoir.ged.models import Document
from comptoir.jobs.models import OutgoingMail
from tests.factories import PDF_BYTES


def pdf(name="releve.pdf"):
    return ContentFile(PDF_BYTES, name=name)


def test_request_without_items_or_addressees_asks_every_client_user_for_its_title(company, firm_admin, client_user,
                                                                                 second_client):
    request = docrequest_create(company=company, title="Inventaire de fin d'année", actor=firm_admin,
                                due_date=timezone.localdate() + dt.timedelta(days=5))
    assert [item.label for item in request.items.all()] == ["Inventaire de fin d'année"]
    assert set(request.addressees.all()) == {client_user, second_client}
    assert request.folder.role == "a-classer"  # the default: « À classer » of the fiscal year of the due date
    assert request.reminder_offsets == [-7, -1, 0] and request.repeat_days == 7
    mail = OutgoingMail.objects.get(key=f"docrequest:created:{request.pk}")
    assert set(mail.to) == {client_user.email, second_client.email}
    assert mail.sender_name == company.firm.sender_display_name and mail.reply_to[0].startswith("demande+")
    assert AuditEvent.objects.filter(action="docrequest.create", target_id=str(request.pk)).exists()


def test_a_client_cannot_create_a_request(company, client_user):
    with pytest.raises(PermissionDenied):
        docrequest_create(company=company, title="x", actor=client_user, due_date=timezone.localdate())
    assert not DocumentRequest.objects.exists()


def test_folder_of_another_company_is_refused_and_nothing_is_created(company, other_company, firm_admin):
    from comptoir.ged.models import Folder

    with pytest.raises(ValidationError):
        docrequest_create(company=company, title="x", actor=firm_admin, due_date=timezone.localdate(),
                          folder=Folder.objects.filter(company=other_company).first())
    assert not DocumentRequest.objects.exists() and not OutgoingMail.objects.exists()


def test_upload_lands_in_the_target_folder_and_marks_the_item_then_the_request_provided(bank_request, client_user):
    bnp, qonto = bank_request.items.all()
    document = docrequest_answer_deposit(request=bank_request, file=pdf("bnp.pdf"), actor=client_user, item_id=bnp.pk)
    assert document.folder == bank_request.folder and document.depositor == client_user
    bnp.refresh_from_db()
    bank_request.refresh_from_db()
    assert bnp.status == "provided" and bank_request.status == "open"
    docrequest_item_unavailable(request=bank_request, item_id=qonto.pk, comment="Compte fermé en octobre",
                                actor=client_user)
    bank_request.refresh_from_db()
    qonto.refresh_from_db()
    assert qonto.status == "unavailable" and qonto.comment == "Compte fermé en octobre"
    assert bank_request.status == "provided" and bank_request.provided_at is not None
    assert [answer.document for answer in bank_request.answers.all()] == [document, None]


def test_i_do_not_have_it_needs_a_comment(bank_request, client_user):
    with pytest.raises(ValidationError):
        docrequest_item_unavailable(request=bank_request, item_id=None, comment="  ", actor=client_user)
    assert not bank_request.answers.exists()


def test_a_refused_file_leaves_the_item_pending(bank_request, client_user):
    with pytest.raises(ComptoirError):
        docrequest_answer_deposit(request=bank_request, file=ContentFile(b"MZ\x90\x00" + b"\x00" * 200, name="x.exe"),
                                  actor=client_user)
    assert not Document.objects.exists() and not bank_request.answers.exists()
    assert set(bank_request.items.values_list("status", flat=True)) == {"pending"}


def test_a_client_of_another_company_cannot_answer(bank_request, other_client_user):
    with pytest.raises(PermissionDenied):
        docrequest_answer_deposit(request=bank_request, file=pdf(), actor=other_client_user)
    assert not Document.objects.exists()


def test_firm_sends_back_a_provided_request_and_the_client_is_told(bank_request, client_user, firm_member):
    for item in bank_request.items.all():
        docrequest_answer_deposit(request=bank_request, file=pdf(f"{item.label}.pdf"), actor=client_user,
                                  item_id=item.pk)
    with pytest.raises(PermissionDenied):
        docrequest_send_back(request=bank_request, actor=client_user, comment="x")
    docrequest_send_back(request=bank_request, actor=firm_member, comment="Il manque la page 2 du relevé BNP")
    bank_request.refresh_from_db()
    assert bank_request.status == "open" and set(bank_request.items.values_list("status", flat=True)) == {"pending"}
    mail = OutgoingMail.objects.get(key__startswith=f"docrequest:sent_back:{bank_request.pk}:")
    assert mail.to == [client_user.email] and "Il manque la page 2 du relevé BNP" in mail.body


def test_a_closed_request_takes_no_more_answers(bank_request, client_user, firm_member):
    docrequest_close(request=bank_request, actor=firm_member)
    with pytest.raises(ComptoirError) as refusal:
        docrequest_answer_deposit(request=bank_request, file=pdf(), actor=client_user)
    assert refusal.value.status == 409 and not Document.objects.exists()
    with pytest.raises(ComptoirError):
        docrequest_close(request=bank_request, actor=firm_member)
