"""Answers: a document deposited for an item (any channel, through the one deposit service), or
« je n'ai pas ce document ». When every item is answered the request is provided and its reminders stop."""

from typing import IO

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.core.errors import PermissionDenied
from comptoir.core.services import audit_event_record
from comptoir.docrequests.addresses import request_token_parse
from comptoir.docrequests.models import DocumentRequest, ItemStatus, RequestAnswer, RequestItem, RequestStatus
from comptoir.docrequests.policy import can_answer
from comptoir.docrequests.services.requests import RequestDecided
from comptoir.ged.events import DocumentEntered
from comptoir.ged.models import Channel, Document
from comptoir.ged.services import document_deposit


def _item_for(request: DocumentRequest, item_id: int | None) -> RequestItem | None:
    if item_id is None:
        return request.items.filter(status=ItemStatus.PENDING).first() or request.items.first()
    item = request.items.filter(pk=item_id).first()
    if item is None:
        raise ValidationError({"item": _("Cette pièce ne fait pas partie de la demande.")})
    return item


def _provided_if_complete(request: DocumentRequest) -> None:
    if request.status == RequestStatus.OPEN and not request.items.filter(status=ItemStatus.PENDING).exists():
        request.status, request.provided_at = RequestStatus.PROVIDED, timezone.now()
        request.save(update_fields=["status", "provided_at"])
        audit_event_record(actor=None, action="docrequest.provided", target=request, firm_id=request.firm_id)


def _record(*, request: DocumentRequest, item: RequestItem | None, document: Document | None, channel: str,
            actor: User | None, comment: str = "") -> RequestAnswer | None:
    try:
        with transaction.atomic():
            answer = RequestAnswer.objects.create(request=request, item=item, document=document, channel=channel,
                                                  actor=actor if getattr(actor, "pk", None) else None,
                                                  comment=comment)
    except IntegrityError:  # the same document again (a retransmitted mail): already counted
        return None
    if item is not None:
        item.status = ItemStatus.UNAVAILABLE if document is None else ItemStatus.PROVIDED
        item.comment, item.answered_at = comment, timezone.now()
        item.save(update_fields=["status", "comment", "answered_at"])
    audit_event_record(actor=actor, action="docrequest.answer", target=request, firm_id=request.firm_id,
                       data={"item": getattr(item, "pk", None), "document": getattr(document, "pk", None),
                             "channel": channel, "unavailable": document is None})
    _provided_if_complete(request)
    return answer


def _open_for_answer(*, request: DocumentRequest, actor: User) -> DocumentRequest:
    if not can_answer(actor, request):
        raise PermissionDenied(_("Vous ne pouvez pas répondre à cette demande."))
    request = DocumentRequest.objects.select_for_update().get(pk=request.pk)
    if request.status == RequestStatus.CLOSED:
        raise RequestDecided(_("Cette demande est clôturée."))
    return request


@transaction.atomic
def docrequest_answer_deposit(*, request: DocumentRequest, file: IO[bytes], actor: User, item_id: int | None = None,
                              channel: Channel | str = Channel.WEB, filename: str | None = None) -> Document:
    """Deposit a file for an item into the request's folder (partner switches apply as for any deposit)."""
    request = _open_for_answer(request=request, actor=actor)
    item = _item_for(request, item_id)
    document = document_deposit(folder=request.folder, file=file, channel=channel, actor=actor, filename=filename,
                                source={"docrequest": request.pk, "item": getattr(item, "pk", None)})
    return document


@transaction.atomic
def docrequest_item_unavailable(*, request: DocumentRequest, item_id: int | None, comment: str,
                                actor: User) -> RequestAnswer:
    """« Je n'ai pas ce document », with why: an answer too."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Dites au cabinet pourquoi ce document manque.")})
    request = _open_for_answer(request=request, actor=actor)
    return _record(request=request, item=_item_for(request, item_id), document=None, channel="", actor=actor,
                   comment=comment)


def docrequest_document_entered(event: DocumentEntered) -> None:
    """Subscriber of "document entered folder": a deposit that answers a request marks its item provided.

    It answers a request when deposited for it (`source.docrequest`) or mailed to its address
    (`source.recipient`, directly or when a quarantined file is approved). Runs in the deposit's transaction.
    """
    if event.kind != "deposit":
        return
    source = event.document.source or {}
    requests = DocumentRequest.objects.select_for_update().filter(folder=event.folder).exclude(
        status=RequestStatus.CLOSED)
    if source.get("docrequest"):
        request = requests.filter(pk=source["docrequest"]).first()
    else:
        token = request_token_parse(source.get("recipient", ""))
        request = requests.filter(token=token).first() if token else None
    if request is None:
        return
    item_id = source.get("item")
    item = request.items.filter(pk=item_id).first() if item_id else _item_for(request, None)
    _record(request=request, item=item, document=event.document, channel=event.document.channel,
            actor=event.actor)
