"""Creating a request and the firm's review of it (close, or send back with a comment)."""

import secrets
from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.core.errors import ComptoirError, PermissionDenied
from comptoir.core.services import audit_event_record
from comptoir.docrequests.emails import docrequest_notice_queue
from comptoir.docrequests.models import (
    DEFAULT_OFFSETS,
    DEFAULT_REPEAT_DAYS,
    DocumentRequest,
    RequestItem,
    RequestStatus,
)
from comptoir.docrequests.policy import can_manage_requests
from comptoir.docrequests.selectors import default_folder_for
from comptoir.firms.models import CLIENT_ROLES, Company
from comptoir.ged.models import Folder


class RequestDecided(ComptoirError):
    status = 409


def cadence_check(*, offsets: list[int], repeat_days: int) -> None:
    if not all(isinstance(day, int) and -365 <= day <= 365 for day in offsets):
        raise ValidationError({"reminder_offsets": _("Les relances sont des nombres de jours entre -365 et 365.")})
    if not 0 <= repeat_days <= 365:
        raise ValidationError({"repeat_days": _("La relance répétée est un nombre de jours entre 0 et 365.")})


@transaction.atomic
def docrequest_create(*, company: Company, title: str, due_date: date, actor: User | None,
                      folder: Folder | None = None, description: str = "", addressees: Iterable[User] | None = None,
                      items: Iterable[str] = (), reminder_offsets: list[int] | None = None,
                      repeat_days: int | None = None, template=None, period: str = "") -> DocumentRequest:
    """Ask a company for documents. No addressee given: every client user of the company."""
    if actor is not None and not can_manage_requests(actor):
        raise PermissionDenied(_("Seul le cabinet peut demander des documents."))
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Donnez un titre à la demande.")})
    folder = folder or default_folder_for(company=company, on=due_date)
    if folder is None or folder.company_id != company.pk or folder.deleted_at is not None:
        raise ValidationError({"folder": _("Choisissez un dossier de cette entreprise.")})
    offsets = sorted(set(DEFAULT_OFFSETS if reminder_offsets is None else reminder_offsets))
    repeat = DEFAULT_REPEAT_DAYS if repeat_days is None else repeat_days
    cadence_check(offsets=offsets, repeat_days=repeat)
    users = list(addressees) if addressees is not None else list(
        User.objects.filter(membership__company=company, membership__role__in=CLIENT_ROLES, is_active=True))
    if any(getattr(user.membership, "company_id", None) != company.pk for user in users):
        raise ValidationError({"addressees": _("Les destinataires sont des utilisateurs de cette entreprise.")})
    request = DocumentRequest.objects.create(
        firm_id=company.firm_id, company=company, title=title[:200], description=description, folder=folder,
        due_date=due_date, token=secrets.token_hex(10), template=template, period=period, created_by=actor,
        reminder_offsets=offsets, repeat_days=repeat)
    request.addressees.set(users)
    labels = [label.strip()[:200] for label in items if label and label.strip()] or [title[:200]]
    RequestItem.objects.bulk_create([RequestItem(request=request, label=label, position=position)
                                     for position, label in enumerate(labels)])
    audit_event_record(actor=actor, action="docrequest.create", target=request, firm_id=company.firm_id,
                       data={"company": company.pk, "due_date": due_date.isoformat(), "items": labels,
                             "template": getattr(template, "pk", None), "period": period})
    docrequest_notice_queue(request=request, kind="created")
    return request


def _locked(request: DocumentRequest) -> DocumentRequest:
    return DocumentRequest.objects.select_for_update().select_related("company__firm").get(pk=request.pk)


@transaction.atomic
def docrequest_close(*, request: DocumentRequest, actor: User, comment: str = "") -> DocumentRequest:
    """The firm has what it needs: no reminder goes any more."""
    if not can_manage_requests(actor):
        raise PermissionDenied(_("Seul le cabinet peut clôturer une demande."))
    request = _locked(request)
    if request.status == RequestStatus.CLOSED:
        raise RequestDecided(_("Cette demande est déjà clôturée."))
    request.status, request.closed_at, request.review_comment = RequestStatus.CLOSED, timezone.now(), comment
    request.save(update_fields=["status", "closed_at", "review_comment"])
    audit_event_record(actor=actor, action="docrequest.close", target=request, firm_id=request.firm_id,
                       data={"comment": comment[:500]})
    return request


@transaction.atomic
def docrequest_send_back(*, request: DocumentRequest, actor: User, comment: str) -> DocumentRequest:
    """Not what was asked: the request is open again, its items to provide again, and the client told why."""
    if not can_manage_requests(actor):
        raise PermissionDenied(_("Seul le cabinet peut renvoyer une demande."))
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Dites au client ce qui manque.")})
    request = _locked(request)
    if request.status != RequestStatus.PROVIDED:
        raise RequestDecided(_("Seule une demande fournie peut être renvoyée."))
    request.status, request.provided_at, request.review_comment = RequestStatus.OPEN, None, comment
    request.save(update_fields=["status", "provided_at", "review_comment"])
    request.items.update(status="pending", answered_at=None)
    audit_event_record(actor=actor, action="docrequest.send_back", target=request, firm_id=request.firm_id,
                       data={"comment": comment[:500]})
    docrequest_notice_queue(request=request, kind="sent_back")
    return request
