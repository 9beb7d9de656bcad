"""Pages of document requests: the firm's board and form, the request page, the client's « À fournir »."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.core.refusals import REFUSALS, refusal_form_add, refusal_message
from comptoir.docrequests.addresses import request_address
from comptoir.docrequests.forms import DocumentRequestForm, RequestTemplateForm
from comptoir.docrequests.jobs import reminder_next_date
from comptoir.docrequests.models import RequestStatus
from comptoir.docrequests.policy import can_answer, can_manage_requests
from comptoir.docrequests.selectors import (
    docrequest_counts_for_user,
    docrequest_get_for_user,
    docrequest_list_for_user,
    docrequest_to_provide_for_user,
    firm_time_zone,
    firm_today,
    template_list_for_user,
)
from comptoir.docrequests.services import (
    docrequest_answer_deposit,
    docrequest_close,
    docrequest_create,
    docrequest_item_unavailable,
    docrequest_send_back,
    template_create,
)
from comptoir.docrequests.services.settings import request_settings_set
from comptoir.firms.policy import is_firm_admin
from comptoir.firms.selectors import company_get_for_user, company_list_for_user, firm_for_user
from comptoir.ged.models import Channel

STATUSES = ("open", "overdue", "provided", "closed")


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """The firm's requests: all companies, or one (?company=); by status (?status=)."""
    if not can_manage_requests(request.user):
        return redirect("docrequests:to_provide")
    company = None
    if request.GET.get("company", "").isdigit():
        company = company_get_for_user(user=request.user, company_id=int(request.GET["company"]))
    status = request.GET.get("status", "")
    status = status if status in STATUSES else ""
    return render(request, "docrequests/board.html", {
        "requests": docrequest_list_for_user(user=request.user, company=company, status=status),
        "counts": docrequest_counts_for_user(user=request.user, company=company),
        "company": company, "status": status, "companies": company_list_for_user(user=request.user),
        "today": firm_today(firm_id=firm_for_user(user=request.user).pk),
    })


@login_required
def create(request: HttpRequest, company_id: int) -> HttpResponse:
    company = company_get_for_user(user=request.user, company_id=company_id)
    if not can_manage_requests(request.user):
        raise PermissionDenied
    form = DocumentRequestForm(request.POST or None, user=request.user, company=company)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = docrequest_create(
                company=company, title=data["title"], description=data["description"], folder=data["folder"],
                due_date=data["due_date"], addressees=data["addressees"] or None, items=form.cleaned_items(),
                reminder_offsets=data["reminder_offsets"] or [], repeat_days=data["repeat_days"], actor=request.user)
        except ValidationError as error:
            refusal_form_add(form, error)
        else:
            messages.success(request, _("La demande « %(title)s » est envoyée.") % {"title": created.title})
            return redirect("docrequests:detail", request_id=created.pk)
    return render(request, "docrequests/form.html", {"form": form, "company": company})


@login_required
def detail(request: HttpRequest, request_id: int) -> HttpResponse:
    docrequest = docrequest_get_for_user(user=request.user, request_id=request_id)
    today = firm_today(firm_id=docrequest.firm_id)
    return render(request, "docrequests/detail.html", {
        "docrequest": docrequest, "address": request_address(docrequest.token),
        "can_manage": can_manage_requests(request.user), "can_answer": can_answer(request.user, docrequest),
        "today": today,
        "next_reminder": (reminder_next_date(request=docrequest, today=today)
                          if docrequest.status == RequestStatus.OPEN else None),
    })


@login_required
@require_POST
def answer(request: HttpRequest, request_id: int) -> HttpResponse:
    """Upload files for an item (web or phone), or « je n'ai pas ce document » with a comment."""
    docrequest = docrequest_get_for_user(user=request.user, request_id=request_id)
    if not can_answer(request.user, docrequest):
        raise PermissionDenied
    item_id = int(request.POST["item"]) if request.POST.get("item", "").isdigit() else None
    try:
        if request.POST.get("unavailable"):
            docrequest_item_unavailable(request=docrequest, item_id=item_id, comment=request.POST.get("comment", ""),
                                        actor=request.user)
            messages.success(request, _("Le cabinet est prévenu que vous n'avez pas ce document."))
        else:
            # Files chosen, or photos taken with the phone's camera (`capture`): the phone channel.
            uploads = [(upload, Channel.WEB) for upload in request.FILES.getlist("files")] + [
                (upload, Channel.PHONE) for upload in request.FILES.getlist("photos")]
            if not uploads:
                raise ValidationError(_("Choisissez au moins un fichier."))
            for upload, channel in uploads:
                docrequest_answer_deposit(request=docrequest, file=upload, actor=request.user, item_id=item_id,
                                          channel=channel, filename=upload.name)
            messages.success(request, _("Merci, vos documents sont déposés."))
    except REFUSALS as error:
        refusal_message(request, error)
    if request.POST.get("next") == "to_provide":
        return redirect("docrequests:to_provide")
    return redirect("docrequests:detail", request_id=docrequest.pk)


@login_required
@require_POST
def review(request: HttpRequest, request_id: int) -> HttpResponse:
    """The firm closes a request, or sends it back with a comment (the client is told)."""
    docrequest = docrequest_get_for_user(user=request.user, request_id=request_id)
    if not can_manage_requests(request.user):
        raise PermissionDenied
    try:
        if request.POST.get("action") == "send_back":
            docrequest_send_back(request=docrequest, actor=request.user, comment=request.POST.get("comment", ""))
            messages.success(request, _("La demande est renvoyée au client."))
        else:
            docrequest_close(request=docrequest, actor=request.user, comment=request.POST.get("comment", ""))
            messages.success(request, _("La demande est clôturée."))
    except REFUSALS as error:
        refusal_message(request, error)
    return redirect("docrequests:detail", request_id=docrequest.pk)


@login_required
def to_provide(request: HttpRequest) -> HttpResponse:
    """« À fournir »: what the client's company is asked for, with an upload zone per item."""
    requests = docrequest_to_provide_for_user(user=request.user)
    return render(request, "docrequests/to_provide.html", {"requests": requests, "statuses": RequestStatus})


@login_required
def templates(request: HttpRequest) -> HttpResponse:
    """The firm's recurring requests, and a form to add one."""
    if not can_manage_requests(request.user):
        raise PermissionDenied
    companies = company_list_for_user(user=request.user)
    form = RequestTemplateForm(request.POST or None, companies=companies)
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "items": form.cleaned_data["items"].splitlines()}
        try:
            template = template_create(actor=request.user, **data)
        except ValidationError as error:
            refusal_form_add(form, error)
        else:
            messages.success(request, _("Le modèle « %(title)s » est enregistré.") % {"title": template.title})
            return redirect("docrequests:templates")
    return render(request, "docrequests/templates.html", {
        "form": form, "templates": template_list_for_user(user=request.user),
        "time_zone": firm_time_zone(firm_for_user(user=request.user).pk), "can_set_zone": is_firm_admin(request.user)})


@login_required
@require_POST
def time_zone_set(request: HttpRequest) -> HttpResponse:
    """The firm's time zone for reminders (09:00 there)."""
    try:
        request_settings_set(actor=request.user, time_zone=request.POST.get("time_zone", ""))
    except REFUSALS as error:
        if getattr(error, "status", None) == 403:
            raise PermissionDenied from error
        refusal_message(request, error)
    else:
        messages.success(request, _("Les relances partiront à 9 h, heure de %(zone)s.")
                         % {"zone": request.POST["time_zone"].strip()})
    return redirect("docrequests:templates")
