"""The pencil on an installed app: authorise it per company and enter each destination address."""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from comptoir.firms.models import Company
from comptoir.partners.catalogue.base import PartnerApp
from comptoir.partners.catalogue.registry import app_get
from comptoir.partners.methods import ConnectionMethod
from comptoir.partners.models import Connection
from comptoir.partners.selectors import (
    company_get_for_admin,
    connection_get_active,
    connection_get_for_admin,
    connections_for_installation,
    installation_get_for_admin,
)
from comptoir.partners.services import (
    InvalidCredentials,
    connection_revoke,
    connection_set,
    connection_usual_folders_link,
    installation_settings_set,
)


@dataclass
class FieldRow:
    key: str
    label: str
    value: str
    name: str = ""  # the input's name
    errors: list[str] = field(default_factory=list)
    secret: bool = False
    hint: str = ""
    input_type: str = "text"
    choices: tuple[str, ...] = ()


@dataclass
class MethodRow:
    """One way of connecting, as the form shows it for one company: its typed addresses and credentials."""

    method: ConnectionMethod
    chosen: bool
    addresses: list[FieldRow]
    credentials: list[FieldRow]


@dataclass
class CompanyRow:
    company: Company
    connection: Connection | None
    authorised: bool
    methods: list[MethodRow]
    errors: list[str] = field(default_factory=list)
    # The chosen method reads a status back (e.g. Upflow's receivables): link to the company's list.
    status_back: bool = False


def _input(key: str, company: Company) -> str:
    return f"{key.replace('_', '-')}-{company.pk}"


def _rows(app: PartnerApp, companies, connections: dict[int, Connection], data=None, errors=None) -> list[CompanyRow]:
    rows = []
    for company in companies:
        connection = connections.get(company.pk)
        saved = {d.key: d.address for d in connection.destinations.all()} if connection else {}
        config = connection.config if connection else {}
        company_errors = (errors or {}).get(company.pk, {})
        chosen = (data.get(f"method-{company.pk}") if data is not None else None) or (
            connection.method if connection else app.methods[0].name)
        methods = []
        for method in app.methods:
            addresses = [
                FieldRow(key=spec.key, label=spec.label, name=f"dest-{company.pk}-{spec.key}",
                         value=(data.get(f"dest-{company.pk}-{spec.key}", "") if data is not None
                                else saved.get(spec.key, "")),
                         errors=company_errors.get(spec.key, []))
                for spec in method.destinations(app)] if method.addresses_typed else []
            credentials = [
                FieldRow(key=f.key, label=str(f.label), name=_input(f.key, company), secret=f.secret,
                         value="" if f.secret else (data.get(_input(f.key, company), "") if data is not None
                                                    else config.get(f.key, f.default)),
                         hint=config.get(f"{f.key}_hint", "") if f.secret else "", input_type=f.input_type,
                         choices=f.choices, errors=company_errors.get(f.key, []))
                for f in method.fields]
            methods.append(MethodRow(method=method, chosen=method.name == chosen, addresses=addresses,
                                     credentials=credentials))
        authorised = bool(data.get(f"authorise-{company.pk}")) if data is not None else connection is not None
        current = app.method_get(connection.method) if connection else None
        rows.append(CompanyRow(company=company, connection=connection, authorised=authorised, methods=methods,
                               errors=[*company_errors.get("__all__", []), *company_errors.get("method", [])],
                               status_back=bool(current and current.status_back)))
    return rows


def _connect(request: HttpRequest, *, app: PartnerApp, installation, company: Company) -> None:
    """One company's row: its method, typed addresses and credentials (an empty secret input is an
    omitted secret: the stored one is kept, the service's one rule)."""
    method = app.method_get(request.POST.get(f"method-{company.pk}")) or app.methods[0]
    destinations = {spec.key: request.POST.get(f"dest-{company.pk}-{spec.key}", "")
                    for spec in method.destinations(app)} if method.addresses_typed else None
    credentials = {}
    for f in method.fields:
        value = request.POST.get(_input(f.key, company))
        credentials[f.key] = None if f.secret and not value else value
    try:
        connection_set(installation=installation, company=company, method=method.name, destinations=destinations,
                       credentials=credentials, actor=request.user,
                       only_recognised_invoices=bool(request.POST.get(f"only-invoices-{company.pk}")))
    except InvalidCredentials as exc:
        raise ValidationError({exc.field or "__all__": [exc.message]}) from exc


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
        if request.POST.get(f"authorise-{company.pk}"):
            try:
                _connect(request, app=app, installation=installation, company=company)
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


def _settings_rows(app: PartnerApp, installation, data=None, errors=None) -> list[FieldRow]:
    stored = installation.settings or {}
    return [FieldRow(key=f.key, label=str(f.label), name=f"setting-{f.key}", secret=f.secret, choices=f.choices,
                     value="" if f.secret else (data.get(f"setting-{f.key}", "") if data is not None
                                                else stored.get(f.key, f.default)),
                     hint=stored.get(f"{f.key}_hint", "") if f.secret else "", input_type=f.input_type,
                     errors=(errors or {}).get(f.key, [])) for f in app.settings_fields]


def _render(request, app, installation, rows, status=200, settings_rows=None) -> HttpResponse:
    return render(request, "partners/connections.html", {
        "app": app, "installation": installation, "rows": rows, "sender_address": settings.SENDER_ADDRESS,
        "settings_rows": settings_rows if settings_rows is not None else _settings_rows(app, installation),
        # The firm chose a server without encryption: said on the page for as long as it is so.
        "unencrypted": (installation.settings or {}).get("tls") == "off",
    }, status=status)


@login_required
@require_POST
def app_settings(request: HttpRequest, slug: str) -> HttpResponse:
    """The app's settings shared by the firm's companies (an FTP access…); an empty secret keeps the stored one."""
    installation = installation_get_for_admin(user=request.user, slug=slug)
    app = app_get(slug)
    values = {}
    for f in app.settings_fields:
        value = request.POST.get(f"setting-{f.key}")
        values[f.key] = None if f.secret and not value else value
    try:
        installation_settings_set(installation=installation, values=values, actor=request.user)
    except (ValidationError, InvalidCredentials) as exc:
        if isinstance(exc, InvalidCredentials):
            errors = {exc.field or "__all__": [exc.message]}
        else:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        messages.error(request, " ".join(errors.pop("__all__", [])) or _("Certains réglages sont invalides."))
        companies = list(installation.firm.companies.all())
        rows = _rows(app, companies, connections_for_installation(installation=installation))
        return _render(request, app, installation, rows, status=400,
                       settings_rows=_settings_rows(app, installation, request.POST, errors))
    messages.success(request, _("Réglages de %(app)s enregistrés.") % {"app": app.name})
    return redirect("partners:connections", slug=slug)


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


@login_required
@require_POST
def usual_folders_link(request: HttpRequest, slug: str, company_id: int) -> HttpResponse:
    """« Relier les dossiers habituels » (after the page's confirmation), for one connected company."""
    connection = connection_get_for_admin(user=request.user, slug=slug, company_id=company_id)
    company = connection.company
    try:
        linked = connection_usual_folders_link(connection=connection, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("partners:connections", slug=slug)
    messages.success(request, ngettext(
        "%(count)s dossier relié à %(app)s pour %(company)s : chaque interrupteur se désactive un à un.",
        "%(count)s dossiers reliés à %(app)s pour %(company)s : chaque interrupteur se désactive un à un.",
        linked) % {"count": linked, "app": app_get(slug).name, "company": company.name})
    return redirect("partners:connections", slug=slug)
