"""The pencil on an installed app: authorise it per company and enter each destination address."""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.firms.models import Company
from comptoir.partners.catalogue.base import PartnerApp
from comptoir.partners.catalogue.registry import app_get
from comptoir.partners.models import Connection
from comptoir.partners.selectors import (
    company_get_for_admin,
    connection_get_active,
    connections_for_installation,
    installation_get_for_admin,
)
from comptoir.partners.services import InvalidCredentials, connection_api_set, connection_revoke, connection_set


def _api_connect(request: HttpRequest, *, installation, company, connection: Connection | None) -> bool:
    """Connect by API; an empty secret keeps the one stored (unchanged key). ValidationError by field."""
    key = request.POST.get(f"api-key-{company.pk}", "").strip()
    secret = request.POST.get(f"api-secret-{company.pk}", "").strip()
    if not secret and connection is not None and connection.method == "api" \
            and connection.config.get("api_key") == key:
        return True
    try:
        connection_api_set(installation=installation, company=company, api_key=key, api_secret=secret,
                           actor=request.user)
    except InvalidCredentials as exc:
        raise ValidationError({"api_secret": [_("Upflow refuse ces identifiants : %(reply)s")
                                              % {"reply": exc.reply}]}) from exc
    return True


@dataclass
class FieldRow:
    key: str
    label: str
    value: str
    errors: list[str] = field(default_factory=list)


@dataclass
class CompanyRow:
    company: Company
    connection: Connection | None
    authorised: bool
    fields: list[FieldRow]
    errors: list[str] = field(default_factory=list)
    # Apps with an API client: "email" or "api", the key (the secret is never shown again) and its errors.
    method: str = "email"
    api_key: str = ""
    api_errors: list[str] = field(default_factory=list)


def _rows(app: PartnerApp, companies, connections: dict[int, Connection], data=None, errors=None) -> list[CompanyRow]:
    rows = []
    for company in companies:
        connection = connections.get(company.pk)
        saved = {d.key: d.address for d in connection.destinations.all()} if connection else {}
        company_errors = (errors or {}).get(company.pk, {})
        fields = [
            FieldRow(key=spec.key, label=spec.label,
                     value=(data.get(f"dest-{company.pk}-{spec.key}", "") if data is not None
                            else saved.get(spec.key, "")),
                     errors=company_errors.get(spec.key, []))
            for spec in app.destinations
        ]
        authorised = bool(data.get(f"authorise-{company.pk}")) if data is not None else connection is not None
        config = connection.config if connection else {}
        method = (data.get(f"method-{company.pk}") if data is not None else None) or (
            connection.method if connection else "email")
        rows.append(CompanyRow(company=company, connection=connection, authorised=authorised, fields=fields,
                               errors=company_errors.get("__all__", []), method=method,
                               api_key=(data.get(f"api-key-{company.pk}", "") if data is not None
                                        else config.get("api_key", "")),
                               api_errors=[*company_errors.get("api_key", []), *company_errors.get("api_secret", []),
                                           *company_errors.get("method", [])]))
    return rows


@login_required
def connections(request: HttpRequest, slug: str) -> HttpResponse:
    installation = installation_get_for_admin(user=request.user, slug=slug)
    app = app_get(slug)
    companies = list(installation.firm.companies.all())
    current = connections_for_installation(installation=installation)
    if request.method != "POST":
        return _render(request, app, installation, _rows(app, companies, current))

    errors: dict[int, dict[str, list[str]]] = {}
    saved = revoked = 0
    for company in companies:
        by_api = app.api_transport is not None and request.POST.get(f"method-{company.pk}") == "api"
        if request.POST.get(f"authorise-{company.pk}") and by_api:
            try:
                if _api_connect(request, installation=installation, company=company,
                                connection=current.get(company.pk)):
                    saved += 1
            except ValidationError as exc:
                errors[company.pk] = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        elif request.POST.get(f"authorise-{company.pk}"):
            values = {spec.key: request.POST.get(f"dest-{company.pk}-{spec.key}", "") for spec in app.destinations}
            try:
                connection_set(installation=installation, company=company, destinations=values, actor=request.user,
                               only_recognised_invoices=bool(request.POST.get(f"only-invoices-{company.pk}")))
                saved += 1
            except ValidationError as exc:
                errors[company.pk] = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        elif company.pk in current:
            connection_revoke(connection=current[company.pk], actor=request.user)
            revoked += 1
    if errors:
        messages.error(request, _("Certaines adresses sont invalides : corrigez les champs signalés."))
        rows = _rows(app, companies, connections_for_installation(installation=installation), request.POST, errors)
        return _render(request, app, installation, rows, status=400)
    messages.success(request, _("Connexions enregistrées : %(saved)s entreprise(s) autorisée(s), %(revoked)s "
                                "révoquée(s).") % {"saved": saved, "revoked": revoked})
    return redirect("partners:connections", slug=slug)


def _render(request, app, installation, rows, status=200) -> HttpResponse:
    return render(request, "partners/connections.html", {
        "app": app, "installation": installation, "rows": rows, "sender_address": settings.SENDER_ADDRESS,
    }, status=status)


@login_required
@require_POST
def revoke(request: HttpRequest, slug: str, company_id: int) -> HttpResponse:
    installation = installation_get_for_admin(user=request.user, slug=slug)
    company = company_get_for_admin(user=request.user, company_id=company_id)
    connection = connection_get_active(installation=installation, company=company)
    if connection is not None:
        cancelled = connection_revoke(connection=connection, actor=request.user)
        messages.success(request, _("Accès de %(app)s à %(company)s révoqué (%(count)s envoi(s) en attente "
                                    "annulé(s)).") % {"app": app_get(slug).name, "company": company.name,
                                                      "count": cancelled})
    return redirect("partners:connections", slug=slug)
