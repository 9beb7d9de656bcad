"""Partner apps over the API, with the UI's rules: firm staff only, firm admins for the store and connections."""

from typing import Literal

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from comptoir.api.schemas import ErrorOut
from comptoir.core.errors import PermissionDenied
from comptoir.firms.models import Firm
from comptoir.firms.selectors import firm_for_user
from comptoir.firms.services import company_receivables_visibility_set
from comptoir.ged.selectors import document_get_for_user
from comptoir.partners.catalogue.base import PartnerApp
from comptoir.partners.catalogue.registry import app_get, app_list, method_names
from comptoir.partners.credentials import fields_public
from comptoir.partners.policy import partners_policy
from comptoir.partners.selectors import (
    SwitchStatus,
    backfill_preview,
    company_get_for_admin,
    company_receivables_get_for_user,
    connection_get_for_admin,
    connection_get_for_folder,
    firm_get_for_admin,
    folder_get_for_staff,
    installation_get_active,
    installation_get_for_admin,
    switch_states_for_folder,
)
from comptoir.partners.services import (
    InvalidCredentials,
    connection_revoke,
    connection_set,
    connection_usual_folders_link,
    deliveries_backfill,
    document_invoice_complete,
    folder_switch_set,
    installation_create,
    installation_remove,
    installation_settings_set,
)

router = Router(tags=["Applications partenaires"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class DestinationSpecOut(Schema):
    key: str
    label: str


class AppOut(Schema):
    slug: str
    name: str
    category: str
    category_label: str
    kind: str
    short_description: str
    destinations: list[DestinationSpecOut]
    accepted_types: list[str]
    max_size: int
    visibility: str
    installed: bool


class InstallationOut(Schema):
    app: str
    installed: bool
    cancelled_deliveries: int = 0


def _connection_schema(schema: dict, _cls) -> None:
    """Generated from the registered methods when the OpenAPI document is built (a partner class
    registered later appears too): the method names, and every method's credential fields."""
    schema["properties"]["method"] = {"anyOf": [{"enum": method_names(), "type": "string"}, {"type": "null"}],
                                      "default": None, "title": "Method",
                                      "description": "un mode de connexion de l'application (défaut : le premier)"}
    for app in app_list():
        for method in app.methods:
            for field in method.fields:
                schema["properties"].setdefault(field.key, {
                    "anyOf": [{"type": "string"}, {"type": "null"}], "default": None, "title": str(field.label),
                    "description": f"{app.slug} · {method.name}" + (" · secret : omis, l'enregistré est gardé ; "
                                                                    "vide, refusé" if field.secret else "")})


class ConnectionIn(BaseModel):  # pydantic's own: ninja's Schema drops the extra (credential) fields
    """`method` and each credential field of the registered methods (see the schema); the base URL of a
    demo connection is never part of it."""

    model_config = ConfigDict(extra="allow", json_schema_extra=_connection_schema)
    method: str | None = None
    destinations: dict[str, str] | None = None

    def credentials(self) -> dict[str, str | None]:
        return {key: value for key, value in (self.model_extra or {}).items()
                if key != "base_url" and (value is None or isinstance(value, str))}


class ConnectionOut(Schema):
    app: str
    company_id: int
    destinations: dict[str, str]
    signing_secret: str | None = None
    method: str = "email"
    credentials: dict[str, str | None] = Field(default_factory=dict,
                                               description="les identifiants, sans les secrets (leur fin seulement)")


def _settings_schema(schema: dict, _cls) -> None:
    """Every registered app's settings fields, when the OpenAPI document is built."""
    for app in app_list():
        for field in app.settings_fields:
            schema["properties"].setdefault(field.key, {
                "anyOf": [{"type": "string"}, {"type": "null"}], "default": None, "title": str(field.label),
                "description": f"{app.slug}" + (f" · {' | '.join(field.choices)}" if field.choices else "")
                + (" · secret : omis, l'enregistré est gardé ; vide, refusé" if field.secret else "")})


class SettingsIn(BaseModel):  # the app's declared fields (see the schema); omitted ones keep their value
    model_config = ConfigDict(extra="allow", json_schema_extra=_settings_schema)

    def values(self) -> dict[str, str | None]:
        return {key: value for key, value in (self.model_extra or {}).items()
                if value is None or isinstance(value, str)}


class SettingsOut(Schema):
    app: str
    settings: dict[str, str | None] = Field(description="les réglages, sans les secrets (leur fin seulement)")


class RevokeOut(Schema):
    app: str
    company_id: int
    cancelled_deliveries: int


class SwitchIn(Schema):
    state: Literal["on", "off", "inherit"]
    destination: str | None = None


class SwitchOut(Schema):
    app: str
    destination: str | None
    destination_address: str | None
    explicit: Literal["on", "off"] | None
    effective: bool
    inherited_from: int | None
    inherited_from_name: str | None
    set_by: str | None
    set_at: str | None


def _staff(request: HttpRequest) -> None:
    """Client users and strangers get the 404 they would get for anything they cannot see."""
    if not partners_policy.can(request.auth, "store.view"):
        raise Http404("not firm staff")


def _admin_firm(request: HttpRequest) -> Firm:
    _staff(request)
    partners_policy.require(request.auth, "store.manage", message=_("Réservé aux administrateurs du cabinet."))
    return firm_get_for_admin(user=request.auth)


def _app_out(app: PartnerApp, installed: bool) -> dict:
    return {"slug": app.slug, "name": str(app.name), "category": app.category.value,
            "category_label": app.category_label,
            "kind": app.kind, "short_description": app.short_text,
            "destinations": [{"key": s.key, "label": s.label} for s in app.destinations],
            "accepted_types": sorted(app.accepted_types), "max_size": app.max_size, "visibility": app.visibility,
            "installed": installed}


def _switch_out(status: SwitchStatus) -> dict:
    origin = status.origin
    return {
        "app": status.app.slug,
        "destination": status.destination.key if status.destination else None,
        "destination_address": status.destination.address if status.destination else None,
        "explicit": status.explicit_state,
        "effective": status.effective,
        "inherited_from": status.inherited_from.pk if status.inherited_from else None,
        "inherited_from_name": status.inherited_from.name if status.inherited_from else None,
        "set_by": origin.set_by.email if origin and origin.set_by else None,
        "set_at": origin.set_at.isoformat() if origin else None,
    }


@router.get("/apps", response={200: list[AppOut], **ERRORS}, summary="Catalogue des applications")
def apps(request: HttpRequest):
    _staff(request)
    firm = firm_for_user(user=request.auth)
    return [_app_out(app, installation_get_active(firm=firm, slug=app.slug) is not None) for app in app_list()]


@router.post("/apps/{slug}/install", response={201: InstallationOut, **ERRORS}, summary="Ajouter à mon espace")
def app_install(request: HttpRequest, slug: str):
    firm = _admin_firm(request)
    installation_create(firm=firm, slug=app_get(slug).slug, actor=request.auth)
    return Status(201, {"app": slug, "installed": True})


@router.delete("/apps/{slug}/install", response={200: InstallationOut, **ERRORS}, summary="Retirer de mon espace")
def app_remove(request: HttpRequest, slug: str):
    _admin_firm(request)
    cancelled = installation_remove(installation=installation_get_for_admin(user=request.auth, slug=slug),
                                    actor=request.auth)
    return {"app": slug, "installed": False, "cancelled_deliveries": cancelled}


@router.put("/apps/{slug}/connections/{int:company_id}", response={200: ConnectionOut, **ERRORS},
            summary="Autoriser une entreprise et fixer ses destinations")
def connection_put(request: HttpRequest, slug: str, company_id: int, payload: ConnectionIn):
    _admin_firm(request)
    installation = installation_get_for_admin(user=request.auth, slug=slug)
    company = company_get_for_admin(user=request.auth, company_id=company_id)
    try:
        connection = connection_set(installation=installation, company=company, method=payload.method,
                                    destinations=payload.destinations, credentials=payload.credentials(),
                                    actor=request.auth)
    except InvalidCredentials as exc:
        return Status(400, {"error": "invalid_credentials", "detail": exc.reply})
    return _connection_out(slug, connection)


def _connection_out(slug: str, connection) -> dict:
    app = app_get(slug)
    method = app.method_get(connection.method) or app.methods[0]
    typed = {spec.key for m in app.methods if m.addresses_typed for spec in m.destinations(app)}
    return {"app": slug, "company_id": connection.company_id, "method": connection.method,
            "destinations": {d.key: d.address for d in connection.destinations.all() if d.key in typed},
            "credentials": fields_public(method.fields, connection.config or {}),
            "signing_secret": connection.config.get("signing_secret")}


class UsualFoldersOut(Schema):
    linked: int = Field(description="dossiers activés (un interrupteur chacun, réversible un à un)")


@router.post("/apps/{slug}/connections/{int:company_id}/usual-folders", response={200: UsualFoldersOut, **ERRORS},
             summary="Relier les dossiers habituels (Achats, Ventes… de chaque dossier annuel)")
def usual_folders_link(request: HttpRequest, slug: str, company_id: int):
    _admin_firm(request)
    connection = connection_get_for_admin(user=request.auth, slug=slug, company_id=company_id)
    return {"linked": connection_usual_folders_link(connection=connection, actor=request.auth)}


@router.get("/apps/{slug}/settings", response={200: SettingsOut, **ERRORS}, summary="Réglages de l'application")
def settings_get(request: HttpRequest, slug: str):
    _admin_firm(request)
    return _settings_out(slug, installation_get_for_admin(user=request.auth, slug=slug))


def _settings_out(slug: str, installation) -> dict:
    return {"app": slug, "settings": fields_public(app_get(slug).settings_fields, installation.settings or {})}


@router.put("/apps/{slug}/settings", response={200: SettingsOut, **ERRORS},
            summary="Fixer les réglages de l'application (partagés par les entreprises du cabinet)")
def settings_put(request: HttpRequest, slug: str, payload: SettingsIn):
    _admin_firm(request)
    installation = installation_get_for_admin(user=request.auth, slug=slug)
    try:
        installation = installation_settings_set(installation=installation, values=payload.values(),
                                                 actor=request.auth)
    except InvalidCredentials as exc:
        return Status(400, {"error": "invalid_credentials", "detail": exc.reply})
    return _settings_out(slug, installation)


@router.delete("/apps/{slug}/connections/{int:company_id}", response={200: RevokeOut, **ERRORS},
               summary="Révoquer l'accès d'une entreprise")
def connection_delete(request: HttpRequest, slug: str, company_id: int):
    _admin_firm(request)
    connection = connection_get_for_admin(user=request.auth, slug=slug, company_id=company_id)
    cancelled = connection_revoke(connection=connection, actor=request.auth)
    return {"app": slug, "company_id": connection.company_id, "cancelled_deliveries": cancelled}


@router.get("/folders/{int:folder_id}/switches", response={200: list[SwitchOut], **ERRORS},
            summary="Interrupteurs d'un dossier")
def switches(request: HttpRequest, folder_id: int):
    folder = folder_get_for_staff(user=request.auth, folder_id=folder_id)
    return [_switch_out(status) for status in switch_states_for_folder(folder=folder)]


@router.put("/folders/{int:folder_id}/switches/{slug}", response={200: SwitchOut, **ERRORS},
            summary="Activer, exclure ou faire hériter un dossier")
def switch_put(request: HttpRequest, folder_id: int, slug: str, payload: SwitchIn):
    folder = folder_get_for_staff(user=request.auth, folder_id=folder_id)
    connection = connection_get_for_folder(folder=folder, slug=slug)
    folder_switch_set(folder=folder, connection=connection, state=payload.state, destination=payload.destination,
                      actor=request.auth)
    return next(_switch_out(s) for s in switch_states_for_folder(folder=folder) if s.app.slug == slug)


class BackfillPreviewOut(Schema):
    to_send: int = Field(description="documents du sous-arbre qui partiraient")
    to_skip: int = Field(description="documents écartés (déjà envoyés, type refusé…)")


class BackfillOut(Schema):
    queued: int = Field(description="envois mis en file")


def _backfill_target(request: HttpRequest, folder_id: int, slug: str):
    folder = folder_get_for_staff(user=request.auth, folder_id=folder_id)
    connection = connection_get_for_folder(folder=folder, slug=slug)
    if not partners_policy.can(request.auth, "backfill.run"):
        raise PermissionDenied(_("Seul un administrateur du cabinet peut envoyer les documents déjà présents."))
    return folder, connection


@router.get("/folders/{int:folder_id}/switches/{slug}/backfill", response={200: BackfillPreviewOut, **ERRORS},
            summary="Combien de documents déjà présents partiraient")
def backfill_count(request: HttpRequest, folder_id: int, slug: str):
    folder, connection = _backfill_target(request, folder_id, slug)
    preview = backfill_preview(folder=folder, connection=connection)
    return {"to_send": preview.to_send, "to_skip": preview.to_skip}


@router.post("/folders/{int:folder_id}/switches/{slug}/backfill", response={200: BackfillOut, **ERRORS},
             summary="Envoyer les documents déjà présents")
def backfill_run(request: HttpRequest, folder_id: int, slug: str):
    """Les documents du sous-arbre effectivement « activés » reçoivent un envoi, une seule fois chacun
    (rejouer la requête n'envoie rien de plus). Réservé aux administrateurs du cabinet."""
    folder, connection = _backfill_target(request, folder_id, slug)
    return {"queued": deliveries_backfill(folder=folder, connection=connection, actor=request.auth)}


class InvoiceCompletionIn(Schema):
    number: str
    customer_name: str
    customer_siren: str = ""
    amount: str
    issue_date: str = ""
    due_date: str = ""
    currency: str = "EUR"


class InvoiceCompletionOut(Schema):
    document_id: int
    released_deliveries: int


@router.put("/documents/{int:document_id}/invoice", response={200: InvoiceCompletionOut, **ERRORS},
            summary="Compléter les données d'une facture « à compléter » (envoi par API)")
def document_invoice_put(request: HttpRequest, document_id: int, payload: InvoiceCompletionIn):
    document = document_get_for_user(user=request.auth, document_id=document_id)
    released = document_invoice_complete(document=document, actor=request.auth, **payload.dict())
    return {"document_id": document.pk, "released_deliveries": released}


class ReceivablesVisibilityIn(Schema):
    client_visible: StrictBool


class ReceivablesVisibilityOut(Schema):
    company_id: int
    client_visible: bool


@router.get("/companies/{int:company_id}/receivables/visibility", response={200: ReceivablesVisibilityOut, **ERRORS},
            summary="« Poste client » : visible par les utilisateurs de l'entreprise ?")
def receivables_visibility_get(request: HttpRequest, company_id: int):
    company = company_receivables_get_for_user(user=request.auth, company_id=company_id, action="receivables.share")
    return {"company_id": company.pk, "client_visible": company.receivables_client_visible}


@router.put("/companies/{int:company_id}/receivables/visibility", response={200: ReceivablesVisibilityOut, **ERRORS},
            summary="Montrer ou cacher le « Poste client » aux utilisateurs de l'entreprise")
def receivables_visibility_put(request: HttpRequest, company_id: int, payload: ReceivablesVisibilityIn):
    company = company_receivables_get_for_user(user=request.auth, company_id=company_id, action="receivables.share")
    company_receivables_visibility_set(company=company, visible=payload.client_visible, actor=request.auth)
    return {"company_id": company.pk, "client_visible": company.receivables_client_visible}
