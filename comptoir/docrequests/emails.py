"""Mails of document requests, queued on the mail outbox in the firm's name, replies to the request's address.

Each mail has a text body and an HTML alternative in the firm's name and colours (`<name>.txt` and
`<name>.html`, the latter on `firms/email/branded.html`); the text says everything the HTML does.
"""

from datetime import date

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from comptoir.docrequests.addresses import request_address
from comptoir.docrequests.models import DocumentRequest
from comptoir.jobs.mail_outbox import mail_enqueue


def _link(request: DocumentRequest) -> str:
    return settings.BASE_URL + reverse("docrequests:detail", args=[request.pk])


def _render(name: str, context: dict) -> tuple[str, str, str]:
    """(subject, text body, HTML body) of the mail `name`."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"docrequests/email/{name}_subject.txt", context).strip()
        body = render_to_string(f"docrequests/email/{name}.txt", context)
        html = render_to_string(f"docrequests/email/{name}.html", context)
    return " ".join(subject.split()), body, html


def _pending_items(request: DocumentRequest) -> list:
    return [item for item in request.items.all() if item.status == "pending"]


def _headers(request: DocumentRequest) -> dict[str, str]:
    return {"X-Comptoir-Request": str(request.pk)}


def docrequest_notice_queue(*, request: DocumentRequest, kind: str) -> None:
    """Tell the addressees a request was made (« created ») or sent back with the firm's comment."""
    recipients = [user.email for user in request.addressees.all() if user.email]
    if not recipients:
        return
    firm = request.company.firm
    subject, body, html = _render(kind, {"request": request, "firm": firm, "link": _link(request),
                                   "address": request_address(request.token), "items": request.items.all()})
    key = f"docrequest:{kind}:{request.pk}" + ("" if kind == "created" else f":{timezone.now().timestamp()}")
    mail_enqueue(key=key, to=recipients, subject=subject, body=body, html_body=html,
                 sender_name=firm.sender_display_name,
                 firm_id=firm.pk, reply_to=[request_address(request.token)], headers=_headers(request))


def reminder_queue(*, user, requests: list[DocumentRequest], on: date) -> None:
    """One mail per client user and day: the reminder of one request, or a digest of several."""
    firm = requests[0].company.firm
    if len(requests) == 1:
        request = requests[0]
        subject, body, html = _render("reminder", {"request": request, "firm": firm, "link": _link(request),
                                                   "address": request_address(request.token), "on": on,
                                                   "items": _pending_items(request)})
        mail_enqueue(key=f"docrequest:reminder:{request.pk}:{on.isoformat()}:{user.pk}", to=[user.email],
                     subject=subject, body=body, html_body=html, sender_name=firm.sender_display_name, firm_id=firm.pk,
                     reply_to=[request_address(request.token)], headers=_headers(request))
        return
    rows = [{"request": r, "link": _link(r), "address": request_address(r.token), "items": _pending_items(r)}
            for r in requests]
    subject, body, html = _render("digest", {"rows": rows, "firm": firm, "on": on, "count": len(requests),
                                       "home": settings.BASE_URL + reverse("docrequests:to_provide")})
    mail_enqueue(key=f"docrequest:digest:{firm.pk}:{user.pk}:{on.isoformat()}", to=[user.email], subject=subject,
                 body=body, html_body=html, sender_name=firm.sender_display_name, firm_id=firm.pk)
