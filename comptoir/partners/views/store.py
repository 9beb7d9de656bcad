"""Paramètres › Applications: the store, an app's page, install/remove and demo requests. Firm admins only."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.core.refusals import refusal_message
from comptoir.partners.catalogue.registry import app_get
from comptoir.partners.selectors import (
    company_get_for_admin,
    demo_request_list_for_firm,
    firm_get_for_admin,
    installation_get_active,
    installation_get_for_admin,
    pending_count_for_installation,
    store_for_firm,
)
from comptoir.partners.services import demo_request_create, installation_create, installation_remove


@login_required
def store(request: HttpRequest) -> HttpResponse:
    firm = firm_get_for_admin(user=request.user)
    installed, available = store_for_firm(firm=firm)
    return render(request, "partners/store.html", {"installed": installed, "available": available})


@login_required
def app_detail(request: HttpRequest, slug: str) -> HttpResponse:
    firm = firm_get_for_admin(user=request.user)
    app = app_get(slug)
    return render(request, "partners/app_detail.html", {
        "app": app,
        "installation": installation_get_active(firm=firm, slug=slug),
        "companies": firm.companies.all(),
        "demo_requests": demo_request_list_for_firm(firm=firm, slug=slug)[:5],
    })


@login_required
@require_POST
def install(request: HttpRequest, slug: str) -> HttpResponse:
    firm = firm_get_for_admin(user=request.user)
    try:
        installation_create(firm=firm, slug=slug, actor=request.user)
    except ValidationError as exc:
        refusal_message(request, exc)
        return redirect("partners:store")
    messages.success(request, _("%(app)s a été ajoutée à votre espace. Connectez-la maintenant à vos entreprises.")
                     % {"app": app_get(slug).name})
    return redirect("partners:connections", slug=slug)


@login_required
def remove(request: HttpRequest, slug: str) -> HttpResponse:
    """GET asks for confirmation (saying what will be cancelled); POST removes."""
    installation = installation_get_for_admin(user=request.user, slug=slug)
    app = app_get(slug)
    if request.method != "POST":
        return render(request, "partners/remove_confirm.html", {
            "app": app, "installation": installation,
            "pending": pending_count_for_installation(installation=installation),
            "connections": installation.connections.filter(revoked_at__isnull=True).count(),
        })
    cancelled = installation_remove(installation=installation, actor=request.user)
    messages.success(request, _("%(app)s a été retirée de votre espace (%(count)s envoi(s) en attente annulé(s)).")
                     % {"app": app.name, "count": cancelled})
    return redirect("partners:store")


@login_required
@require_POST
def demo_request(request: HttpRequest, slug: str) -> HttpResponse:
    firm = firm_get_for_admin(user=request.user)
    app = app_get(slug)
    company_id = request.POST.get("company", "")
    if not company_id.isdigit():
        messages.error(request, _("Choisissez l'entreprise pour laquelle vous demandez une démo."))
        return redirect("partners:app_detail", slug=slug)
    company = company_get_for_admin(user=request.user, company_id=int(company_id))
    demo_request_create(firm=firm, company=company, slug=slug, actor=request.user,
                        message=request.POST.get("message", ""))
    messages.success(request, _("Votre demande de démo %(app)s pour %(company)s a été envoyée ; une copie vous "
                                "a été adressée.") % {"app": app.name, "company": company.name})
    return redirect("partners:app_detail", slug=slug)
