"""A client relationship over time: edit or archive a company, manage its people and invitations."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from comptoir.core.refusals import REFUSALS, refusal_form_add, refusal_message, refusal_text
from comptoir.firms.emails import invitation_resend
from comptoir.firms.models import CLIENT_ROLES, Company, Invitation, Membership
from comptoir.firms.policy import can_edit_company, can_manage_companies, can_manage_members, firms_policy
from comptoir.firms.selectors import company_get_for_user, invitation_get_for_company, membership_get_for_company
from comptoir.firms.services import (
    company_einvoice_settings_set,
    company_unarchive,
    invitation_cancel,
    membership_remove,
    membership_role_set,
)
from comptoir.firms.siren_lookup import SirenLookupUnavailable, siren_lookup_provider
from comptoir.firms.validators import validate_siren
from comptoir.ged.services import company_edit
from comptoir.partners.services import company_archive_and_stop
from comptoir.web.forms import CompanyEditForm


def _company_for_edit(request: HttpRequest, company_id: int):
    company = company_get_for_user(user=request.user, company_id=company_id)
    if not can_edit_company(request.user, company):
        raise PermissionDenied
    return company


def _company_for_members(request: HttpRequest, company_id: int):
    company = company_get_for_user(user=request.user, company_id=company_id)
    if not can_manage_members(request.user, company):
        raise PermissionDenied
    return company


@login_required
def company_edit_page(request: HttpRequest, company_id: int) -> HttpResponse:
    company = _company_for_edit(request, company_id)
    if company.archived_at is not None:
        messages.error(request, _("Cette entreprise est archivée : ses informations sont en lecture seule."))
        return redirect("web:company", company_id=company.pk)
    form = CompanyEditForm(request.POST or None, company=company)
    if request.method == "POST" and form.is_valid():
        try:
            changed, created = company_edit(company=company, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            refusal_form_add(form, error)
        else:
            messages.success(request, _("Les informations de l'entreprise sont enregistrées."))
            if created is not None:
                messages.success(request, _("Le dossier « %(name)s » est créé ; les dossiers existants sont "
                                            "conservés.") % {"name": created.name})
            return redirect("web:company", company_id=company.pk)
    return render(request, "web/company_edit.html", {
        "company": company, "form": form,
        "can_set_einvoice": firms_policy.can(request.user, "company.einvoice_settings", company)})


@login_required
@require_POST
def company_einvoice_settings(request: HttpRequest, company_id: int) -> HttpResponse:
    """The toggle « les utilisateurs de l'entreprise répondent aux factures reçues… » (firm staff)."""
    company = company_get_for_user(user=request.user, company_id=company_id)
    if not firms_policy.can(request.user, "company.einvoice_settings", company):
        raise PermissionDenied
    allowed = request.POST.get("clients_may_answer") == "on"
    company_einvoice_settings_set(company=company, clients_may_answer=allowed, actor=request.user)
    messages.success(request, _("Les administrateurs de l'entreprise répondent aux factures reçues et complètent "
                                "les données de facture.") if allowed else
                     _("Seul le cabinet répond aux factures reçues et complète les données de facture."))
    return redirect("web:company_edit", company_id=company.pk)


@login_required
@require_POST
def company_archive_view(request: HttpRequest, company_id: int) -> HttpResponse:
    company = _company_for_edit(request, company_id)
    cancelled = company_archive_and_stop(company=company, actor=request.user)
    messages.success(request, ngettext(
        "« %(name)s » est archivée : lecture seule, rien n'est supprimé. %(count)d envoi en attente est annulé.",
        "« %(name)s » est archivée : lecture seule, rien n'est supprimé. %(count)d envois en attente sont annulés.",
        cancelled) % {"name": company.name, "count": cancelled})
    return redirect("web:company", company_id=company.pk)


@login_required
@require_POST
def company_unarchive_view(request: HttpRequest, company_id: int) -> HttpResponse:
    company = _company_for_edit(request, company_id)
    company_unarchive(company=company, actor=request.user)
    messages.success(request, _("« %(name)s » est de nouveau active.") % {"name": company.name})
    return redirect("web:company", company_id=company.pk)


def _member_action[T](request: HttpRequest, company_id: int, *, target: Callable[[Company], T],
                      act: Callable[[Company, T], str]) -> HttpResponse:
    """The shape of every people action of a company page: the company whose people the user may
    manage (403 otherwise), the membership or invitation fetched within it (404 elsewhere), the
    service through `act`, whose refusal or success sentence is shown back on the company page."""
    company = _company_for_members(request, company_id)
    obj = target(company)
    try:
        done = act(company, obj)
    except REFUSALS as error:
        refusal_message(request, error)
    else:
        messages.success(request, done)
    return redirect("web:company", company_id=company.pk)


def _membership(request: HttpRequest, membership_id: int) -> Callable[[Company], Membership]:
    return lambda company: membership_get_for_company(user=request.user, company=company, membership_id=membership_id)


def _invitation(request: HttpRequest, invitation_id: int) -> Callable[[Company], Invitation]:
    return lambda company: invitation_get_for_company(user=request.user, company=company, invitation_id=invitation_id)


@login_required
@require_POST
def member_role(request: HttpRequest, company_id: int, membership_id: int) -> HttpResponse:
    role = request.POST.get("role", "")

    def act(company: Company, membership: Membership) -> str:
        if role not in CLIENT_ROLES:
            raise ValidationError(_("Choisissez un rôle."))
        membership_role_set(membership=membership, role=role, actor=request.user)
        return (_("%(email)s est maintenant %(role)s.")
                % {"email": membership.user.email, "role": membership.get_role_display().lower()})

    return _member_action(request, company_id, target=_membership(request, membership_id), act=act)


@login_required
@require_POST
def member_remove(request: HttpRequest, company_id: int, membership_id: int) -> HttpResponse:
    def act(company: Company, membership: Membership) -> str:
        email = membership.user.email
        membership_remove(membership=membership, actor=request.user)
        return (_("%(email)s n'a plus accès à l'espace de %(company)s ; ses documents restent.")
                % {"email": email, "company": company.name})

    return _member_action(request, company_id, target=_membership(request, membership_id), act=act)


@login_required
@require_POST
def invitation_resend_view(request: HttpRequest, company_id: int, invitation_id: int) -> HttpResponse:
    def act(company: Company, invitation: Invitation) -> str:
        invitation_resend(invitation=invitation, actor=request.user)
        return (_("Invitation envoyée à nouveau à %(email)s ; l'ancien lien ne fonctionne plus.")
                % {"email": invitation.email})

    return _member_action(request, company_id, target=_invitation(request, invitation_id), act=act)


@login_required
@require_POST
def invitation_cancel_view(request: HttpRequest, company_id: int, invitation_id: int) -> HttpResponse:
    def act(company: Company, invitation: Invitation) -> str:
        invitation_cancel(invitation=invitation, actor=request.user)
        return _("L'invitation de %(email)s est annulée.") % {"email": invitation.email}

    return _member_action(request, company_id, target=_invitation(request, invitation_id), act=act)


@login_required
@require_GET
def siren_lookup(request: HttpRequest) -> HttpResponse:
    """htmx: fill the new-company form from the SIREN typed (out-of-band swaps of the fields)."""
    if not can_manage_companies(request.user):
        raise PermissionDenied
    provider = siren_lookup_provider()
    siren = request.GET.get("siren", "").replace(" ", "")
    context = {"siren": siren, "facts": None, "error": ""}
    try:
        validate_siren(siren)
    except ValidationError as error:
        context["error"] = refusal_text(error)
    else:
        if provider is None:
            context["error"] = _("Aucune source de recherche d'entreprises n'est configurée.")
        else:
            try:
                context["facts"] = provider.lookup(siren)
            except SirenLookupUnavailable:
                context["error"] = _("La recherche d'entreprises ne répond pas ; saisissez les informations.")
            else:
                if context["facts"] is None:
                    context["error"] = _("Aucune entreprise trouvée pour ce SIREN.")
    return render(request, "web/_siren_lookup.html", context)
