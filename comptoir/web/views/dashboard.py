"""The home page: the firm staff's dashboard; a client lands in their company's documents."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from comptoir.docrequests.selectors import docrequest_counts_for_user, docrequest_to_provide_for_user
from comptoir.firms.policy import can_manage_companies, is_firm_staff
from comptoir.firms.selectors import company_list_for_user
from comptoir.intake.selectors import quarantine_pending_by_company_for_user
from comptoir.web.forms import DigestForm
from comptoir.web.models import DigestPreference
from comptoir.web.selectors import dashboard_for_user
from comptoir.web.services import digest_preference_set, seen_mark_record


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if not is_firm_staff(request.user):
        # What the firm asked for comes first; otherwise the client's documents.
        if docrequest_to_provide_for_user(user=request.user).exists():
            return redirect("docrequests:to_provide")
        companies = list(company_list_for_user(user=request.user)[:2])
        if len(companies) == 1:
            return redirect("ged:company", company_id=companies[0].pk)
        return redirect("web:companies")
    dashboard = dashboard_for_user(user=request.user)
    seen_mark_record(user=request.user, company_id=None)
    return render(request, "web/dashboard.html", {
        "dashboard": dashboard,
        "can_create": can_manage_companies(request.user),
        "quarantine": quarantine_pending_by_company_for_user(user=request.user),
        "request_counts": docrequest_counts_for_user(user=request.user),
    })


@login_required
def digest_settings(request: HttpRequest) -> HttpResponse:
    """'Paramètres → Résumé par e-mail': off unless the person asks for it."""
    preference = DigestPreference.objects.filter(user=request.user).first()
    form = DigestForm(request.POST or None, initial={"frequency": preference.frequency if preference else "off"})
    if request.method == "POST" and form.is_valid():
        digest_preference_set(user=request.user, frequency=form.cleaned_data["frequency"])
        messages.success(request, _("Votre choix de résumé par e-mail est enregistré."))
        return redirect("web:digest_settings")
    return render(request, "web/digest_settings.html", {"form": form})
