"""Thin views of the deposit channels: parse the request, call a selector and a service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from comptoir.core.errors import ComptoirError
from comptoir.core.refusals import refusal_message, refusal_text
from comptoir.firms.policy import is_firm_staff
from comptoir.firms.selectors import company_get_for_user
from comptoir.ged.selectors import documents_same_bytes_for_user, folder_get_for_user
from comptoir.intake.models import UntrustedMail
from comptoir.intake.policy import intake_policy
from comptoir.intake.selectors import (
    company_mailboxes,
    mailbox_policy_for,
    mailbox_rules_for,
    quarantine_get_for_user,
    quarantine_list_for_user,
    quarantine_pending_count,
    zip_import_get_for_user,
)
from comptoir.intake.services.mailbox_policy import mailbox_policy_set, mailbox_token_rotate
from comptoir.intake.services.phone import phone_capture_deposit
from comptoir.intake.services.quarantine import quarantine_approve, quarantine_message_approve, quarantine_reject
from comptoir.intake.services.zip_import import ZipRefused, zip_import_create


@login_required
@require_GET
def company_mailboxes_panel(request: HttpRequest, company_id: int) -> HttpResponse:
    company = company_get_for_user(user=request.user, company_id=company_id)
    staff = is_firm_staff(request.user)
    return render(request, "intake/_mailboxes.html", {
        "company": company, "mailboxes": company_mailboxes(company), "can_edit_policy": staff,
        "policy": mailbox_policy_for(company=company),
        "quarantine_count": quarantine_pending_count(company=company) if staff else None})


@login_required
@require_http_methods(["GET", "POST"])
def mailbox_policy_edit(request: HttpRequest, company_id: int) -> HttpResponse:
    company = company_get_for_user(user=request.user, company_id=company_id)
    if not intake_policy.can(request.user, "mailbox_policy.edit"):
        raise PermissionDenied
    if request.method == "POST":
        if request.POST.get("rotate"):
            mailbox_token_rotate(company=company, actor=request.user)
            messages.success(request,
                             _("Nouvelles adresses de collecte créées : les anciennes sont désormais refusées."))
            return redirect("intake:mailbox_policy", company_id=company.pk)
        untrusted = request.POST.get("untrusted", UntrustedMail.QUARANTINE)
        if untrusted not in UntrustedMail.values:
            untrusted = UntrustedMail.QUARANTINE
        mailbox_policy_set(company=company, allowed_senders=request.POST.get("allowed_senders", ""),
                           untrusted=untrusted, accept_slug_only=bool(request.POST.get("accept_slug_only")),
                           actor=request.user)
        messages.success(request, _("Liste des expéditeurs autorisés enregistrée."))
        return redirect("intake:mailbox_policy", company_id=company.pk)
    return render(request, "intake/mailbox_policy.html", {
        "company": company, "rules": mailbox_rules_for(company=company, on=timezone.localdate()),
        "policy": mailbox_policy_for(company=company), "untrusted_choices": UntrustedMail.choices})


QUARANTINE_PAGE_SIZE = 100


@login_required
@require_GET
def quarantine_list(request: HttpRequest, company_id: int) -> HttpResponse:
    """« À valider »: the company's held mail files, for firm staff only."""
    company = company_get_for_user(user=request.user, company_id=company_id)
    items = list(quarantine_list_for_user(user=request.user, company=company)[:QUARANTINE_PAGE_SIZE])
    # « Déjà déposé le … » before the decision: approving it would not send it again where it already went.
    already = documents_same_bytes_for_user(user=request.user, company_id=company.pk,
                                            sha256s=[item.sha256 for item in items])
    for item in items:
        item.already_deposited = already.get(item.sha256)
    return render(request, "intake/quarantine.html", {"company": company, "items": items})


@login_required
@require_POST
def quarantine_decide(request: HttpRequest, quarantine_id: int) -> HttpResponse:
    item = quarantine_get_for_user(user=request.user, quarantine_id=quarantine_id)
    action = request.POST.get("action")
    allow_sender = bool(request.POST.get("allow_sender"))
    try:
        if action == "approve":
            document = quarantine_approve(item=item, actor=request.user, allow_sender=allow_sender)
            messages.success(request, _("« %(name)s » validé et déposé.") % {"name": document.name})
        elif action == "approve_message":
            documents = quarantine_message_approve(item=item, actor=request.user, allow_sender=allow_sender)
            messages.success(request, ngettext("%(count)d document validé et déposé.",
                                               "%(count)d documents validés et déposés.",
                                               len(documents)) % {"count": len(documents)})
        if allow_sender and action in {"approve", "approve_message"}:
            messages.success(request, _("%(sender)s est désormais autorisé : ses prochains envois seront déposés "
                                        "directement.") % {"sender": item.sender})
        elif action == "reject":
            quarantine_reject(item=item, actor=request.user)
            messages.success(request, _("« %(name)s » rejeté et supprimé.") % {"name": item.filename})
        else:
            messages.error(request, _("Action inconnue."))
    except (ComptoirError, ValidationError) as refusal:
        refusal_message(request, refusal)
    return redirect("intake:quarantine", company_id=item.company_id)


@login_required
@require_GET
def zip_panel(request: HttpRequest, folder_id: int) -> HttpResponse:
    folder = folder_get_for_user(user=request.user, folder_id=folder_id)
    return render(request, "intake/_zip_panel.html", {"folder": folder})


@login_required
@require_POST
def zip_upload(request: HttpRequest, folder_id: int) -> HttpResponse:
    folder = folder_get_for_user(user=request.user, folder_id=folder_id)
    upload = request.FILES.get("archive")
    if upload is None:
        return render(request, "intake/_zip_panel.html", {"folder": folder, "error": _("Choisissez une archive zip.")},
                      status=400)
    try:
        zip_import = zip_import_create(folder=folder, upload=upload, archive_name=upload.name, actor=request.user)
    except ZipRefused as refusal:
        return render(request, "intake/_zip_panel.html", {"folder": folder, "error": refusal.message}, status=400)
    return render(request, "intake/_zip_progress.html", {"zip_import": zip_import}, status=202)


@login_required
@require_GET
def zip_progress(request: HttpRequest, zip_import_id: int) -> HttpResponse:
    zip_import = zip_import_get_for_user(user=request.user, zip_import_id=zip_import_id)
    return render(request, "intake/_zip_progress.html", {"zip_import": zip_import})


@login_required
@require_GET
def phone_panel(request: HttpRequest, folder_id: int) -> HttpResponse:
    folder = folder_get_for_user(user=request.user, folder_id=folder_id)
    return render(request, "intake/_phone_panel.html", {"folder": folder})


@login_required
@require_POST
def phone_upload(request: HttpRequest, folder_id: int) -> HttpResponse:
    folder = folder_get_for_user(user=request.user, folder_id=folder_id)
    context = {"folder": folder}
    try:
        context["documents"] = phone_capture_deposit(
            folder=folder, uploads=request.FILES.getlist("files"), combine=bool(request.POST.get("combine")),
            actor=request.user, name=request.POST.get("name", ""))
    except (ComptoirError, ValidationError) as refusal:
        context["error"] = refusal_text(refusal)
        # htmx swaps only 2xx answers: the panel with its error replaces the form either way.
        status = getattr(refusal, "status", 400)
        return render(request, "intake/_phone_panel.html", context, status=200 if request.htmx else status)
    return render(request, "intake/_phone_panel.html", context, status=201)
