from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.core.refusals import refusal_form_add
from comptoir.docrequests.selectors import docrequest_counts_for_user, docrequest_to_provide_for_user
from comptoir.firms.forms import InvitationForm
from comptoir.firms.models import Role
from comptoir.firms.policy import can_edit_company, can_invite, can_manage_companies, can_manage_members
from comptoir.firms.selectors import (
    company_get_for_user,
    company_list_for_user,
    firm_for_user,
    invitation_list_open_for_company,
    membership_list_for_company,
)
from comptoir.firms.siren_lookup import siren_lookup_provider
from comptoir.ged.services import company_onboard
from comptoir.partners.policy import partners_policy
from comptoir.web.forms import CompanyForm


@login_required
def company_list(request: HttpRequest) -> HttpResponse:
    """'Entreprises': every company the user may see, searchable by name or SIREN."""
    companies = company_list_for_user(user=request.user)
    query = request.GET.get("q", "").strip()
    if query:
        companies = companies.filter(Q(name__icontains=query) | Q(siren__startswith=query.replace(" ", "")))
    template = "web/_company_list.html" if request.htmx else "web/companies.html"
    return render(request, template, {
        "companies": companies,
        "query": query,
        "can_create": can_manage_companies(request.user),
        # Document requests (#18): a client sees « À fournir » first; the firm, its counts.
        "to_provide": docrequest_to_provide_for_user(user=request.user),
        "request_counts": docrequest_counts_for_user(user=request.user),
    })


@login_required
def company_new(request: HttpRequest) -> HttpResponse:
    if not can_manage_companies(request.user):
        raise PermissionDenied
    form = CompanyForm(request.POST or None)
    siren_lookup_enabled = siren_lookup_provider() is not None
    if request.method == "POST" and form.is_valid():
        try:
            company = company_onboard(firm=firm_for_user(user=request.user), actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            refusal_form_add(form, error)
        else:
            messages.success(request, _("L'entreprise « %(name)s » est créée avec son dossier comptable annuel.")
                             % {"name": company.name})
            return redirect("web:company", company_id=company.pk)
    return render(request, "web/company_form.html", {"form": form, "siren_lookup_enabled": siren_lookup_enabled})


@login_required
def company_detail(request: HttpRequest, company_id: int) -> HttpResponse:
    company = company_get_for_user(user=request.user, company_id=company_id)
    may_invite = can_invite(request.user) and company.archived_at is None
    may_manage = can_manage_members(request.user, company) and company.archived_at is None
    return render(request, "web/company_detail.html", {
        "company": company,
        "members": membership_list_for_company(user=request.user, company=company),
        "invitations": invitation_list_open_for_company(user=request.user, company=company) if may_invite else [],
        "invitation_form": InvitationForm() if may_invite else None,
        "can_manage_members": may_manage,
        "can_edit": can_edit_company(request.user, company),
        "can_see_receivables": partners_policy.can(request.user, "receivables.view", company),
        "client_roles": [(Role.CLIENT_MEMBER, Role.CLIENT_MEMBER.label), (Role.CLIENT_ADMIN, Role.CLIENT_ADMIN.label)],
        "now": timezone.now(),
    })
