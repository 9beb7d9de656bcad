"""API parity: every action a person can do in the web UI has an endpoint in /api/v1 (issue 19).

The UI routes are read from the project's URLconf, so a route added tomorrow is checked the day it is
added. Each one must be in exactly one of:

- `ACTIONS`: a route that changes something (it accepts POST), with its API twin(s), each an
  operation `"METHOD /api/v1/…"` that must exist in the OpenAPI document;
- `NO_API`: an action that makes no sense in an API, with the reason (a comment a reviewer can judge);
- `READS`: a page or fragment that only shows things, with the API operation that gives the same
  data, or `None` when it is presentation only (a page frame, an htmx fragment, a chart).

Whether a route accepts POST is read from the view itself (a class view's `post`, the methods of
`require_http_methods`/`require_POST`, or a `request.method` test in its code), so a read cannot hide
an action: a route listed in `READS` whose view accepts POST fails the test.
"""

import inspect
import re
from functools import cache

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

API_PREFIX = "api/"

# UI url name → the API operation(s) doing the same thing through the same service.
ACTIONS: dict[str, list[str]] = {
    # Companies and their people
    "web:company_new": ["POST /api/v1/companies"],
    "web:company_edit": ["PATCH /api/v1/companies/{company_id}"],
    "web:company_archive": ["POST /api/v1/companies/{company_id}/archive"],
    "web:company_unarchive": ["POST /api/v1/companies/{company_id}/unarchive"],
    "web:company_einvoice_settings": ["PUT /api/v1/companies/{company_id}/einvoice/settings"],
    # Revoking only takes power away; creating a token stays in the session (NO_API, accounts:settings).
    "accounts:token_revoke": ["DELETE /api/v1/me/tokens/{token_id}"],
    "web:member_role": ["PATCH /api/v1/companies/{company_id}/members/{membership_id}"],
    "web:member_remove": ["DELETE /api/v1/companies/{company_id}/members/{membership_id}"],
    "firms:invite": ["POST /api/v1/companies/{company_id}/invitations"],
    "web:invitation_resend": ["POST /api/v1/companies/{company_id}/invitations/{invitation_id}/resend"],
    "web:invitation_cancel": ["DELETE /api/v1/companies/{company_id}/invitations/{invitation_id}"],
    "web:firm_settings": ["PATCH /api/v1/firm", "POST /api/v1/firm/logo"],
    # GED
    "ged:folder_create": ["POST /api/v1/companies/{company_id}/folders"],
    "ged:folder_rename": ["POST /api/v1/folders/{folder_id}/rename"],
    "ged:folder_move": ["POST /api/v1/folders/{folder_id}/move"],
    "ged:folder_trash": ["POST /api/v1/folders/{folder_id}/trash"],
    "ged:folder_restore": ["POST /api/v1/folders/{folder_id}/restore"],
    "ged:upload": ["POST /api/v1/folders/{folder_id}/documents"],
    "ged:document_rename": ["POST /api/v1/documents/{document_id}/rename"],
    "ged:document_move": ["POST /api/v1/documents/{document_id}/move"],
    "ged:document_copy": ["POST /api/v1/documents/{document_id}/copy"],
    "ged:document_trash": ["POST /api/v1/documents/{document_id}/trash"],
    "ged:document_restore": ["POST /api/v1/documents/{document_id}/restore"],
    "ged:trash_bulk_restore": ["POST /api/v1/documents/bulk/restore"],
    "ged:bulk": ["POST /api/v1/documents/bulk/move", "POST /api/v1/documents/bulk/trash",
                 "POST /api/v1/documents/bulk/zip"],
    # Intake
    "intake:phone_upload": ["POST /api/v1/folders/{folder_id}/photos"],
    "intake:zip_upload": ["POST /api/v1/folders/{folder_id}/zip-imports"],
    "intake:mailbox_policy": ["PUT /api/v1/companies/{company_id}/sender-policy",
                              "POST /api/v1/companies/{company_id}/mailboxes/rotate"],
    "intake:quarantine_decide": ["POST /api/v1/quarantine/{quarantine_id}/approve",
                                 "POST /api/v1/quarantine/{quarantine_id}/approve-message",
                                 "POST /api/v1/quarantine/{quarantine_id}/reject"],
    # Partners and deliveries
    "partners:install": ["POST /api/v1/apps/{slug}/install"],
    "partners:remove": ["DELETE /api/v1/apps/{slug}/install"],
    "partners:connections": ["PUT /api/v1/apps/{slug}/connections/{company_id}"],
    "partners:connection_revoke": ["DELETE /api/v1/apps/{slug}/connections/{company_id}"],
    "partners:app_settings": ["PUT /api/v1/apps/{slug}/settings"],
    "partners:usual_folders_link": ["POST /api/v1/apps/{slug}/connections/{company_id}/usual-folders"],
    "partners:folder_switch_set": ["PUT /api/v1/folders/{folder_id}/switches/{slug}"],
    "partners:folder_backfill": ["POST /api/v1/folders/{folder_id}/switches/{slug}/backfill"],
    "partners:document_receivable": ["PUT /api/v1/documents/{document_id}/invoice"],  # « à compléter »
    "einvoicing:document_einvoice": ["POST /api/v1/documents/{document_id}/einvoice/status"],  # answer a PA invoice
    "partners:company_receivables_visibility": ["PUT /api/v1/companies/{company_id}/receivables/visibility"],
    "delivery:retry": ["POST /api/v1/deliveries/{delivery_id}/retry"],
    "delivery:send_anyway": ["POST /api/v1/deliveries/{delivery_id}/send-anyway"],  # « envoyer quand même »
    # Document requests
    "docrequests:create": ["POST /api/v1/requests"],
    "docrequests:answer": ["POST /api/v1/requests/{request_id}/documents",
                           "POST /api/v1/requests/{request_id}/unavailable"],
    "docrequests:review": ["POST /api/v1/requests/{request_id}/close",
                           "POST /api/v1/requests/{request_id}/send-back"],
    "docrequests:templates": ["POST /api/v1/request-templates"],
}

# UI actions without an API twin, each with why an API client has no use for it.
NO_API: dict[str, str] = {
    # Sessions: the API authenticates each request with a bearer token; there is no session to open or close.
    "accounts:login": "ouvre une session web ; l'API s'authentifie par jeton à chaque requête",
    "accounts:logout": "ferme la session web ; un jeton se révoque dans les paramètres",
    # Passwords and second factors protect the web login. A token must not be able to change them: a
    # stolen token would then take over the account (and tokens skip the second factor by design).
    "accounts:password_change": "le mot de passe protège la connexion web ; un jeton ne doit pas pouvoir le changer",
    "accounts:password_reset": "parcours par courriel pour qui n'a plus accès à son compte (donc pas de jeton)",
    "accounts:password_reset_confirm": "suite du parcours par courriel (lien secret)",
    "accounts:two_factor_setup": "enrôlement TOTP avec QR code, par la personne, dans une session",
    "accounts:two_factor_verify": "second facteur de la connexion web ; un jeton n'en a pas",
    "accounts:two_factor_off": "désactiver le second facteur par jeton permettrait à un jeton volé de l'enlever",
    "firms:firm_two_factor": ("politique de sécurité du cabinet ; un jeton (sans second facteur) "
                                 "ne doit pas l'abaisser"),
    # Tokens: creating one needs a session that passed the second factor (docs/api.md, Authentication).
    "accounts:settings": ("création de jetons et préférences du compte, depuis une session "
                          "qui a passé le second facteur"),
    "firms:invitation_accept": "la personne invitée n'a pas encore de compte ni de jeton",
    # Interface preferences of the person using the web pages.
    "set_language": "langue de l'interface web (cookie)",
    "docrequests:time_zone": "fuseau horaire d'affichage des pages ; l'API donne des dates ISO 8601 avec décalage",
    "web:digest_settings": "préférences de courriel de la personne, réglées dans sa session",
    # A prospect's message to a partner from the store page: a sales contact, not a Comptoir operation.
    "partners:demo_request": "prise de contact commerciale avec l'éditeur depuis la boutique",
}

# Pages and fragments: the API operation giving the same data, or None (presentation only).
READS: dict[str, str | None] = {
    "web:home": None,
    "web:companies": "GET /api/v1/companies",
    "web:company": "GET /api/v1/companies/{company_id}",
    "web:siren_lookup": None,  # htmx help while typing the new-company form
    "web:firm_logo": "GET /api/v1/firm/logo",
    # (the branding form's page; its data)
    "web:firm_login": None,  # public login page
    "web:firm_login_logo": None,
    "web:favicon": None,
    "accounts:password_change_done": None,
    "accounts:password_reset_done": None,
    "accounts:password_reset_complete": None,
    "ged:company": "GET /api/v1/companies/{company_id}/folders",
    "ged:trash": "GET /api/v1/companies/{company_id}/trash",
    "ged:search": "GET /api/v1/search",
    "ged:folder": "GET /api/v1/folders/{folder_id}/documents",
    "ged:folder_documents": "GET /api/v1/folders/{folder_id}/documents",
    "ged:document": "GET /api/v1/documents/{document_id}",
    "ged:download": "GET /api/v1/documents/{document_id}/content",
    "ged:content": "GET /api/v1/documents/{document_id}/content",
    "ged:thumbnail": None,  # preview images for the page
    "ged:page_image": None,
    "ged:document_menu": None,  # htmx menu
    "invoices:document_panel": "GET /api/v1/documents/{document_id}",  # the invoice facts are in the detail
    "partners:folder_switches": "GET /api/v1/folders/{folder_id}/switches",
    "partners:company_receivables": None,
    "partners:store": "GET /api/v1/apps",
    "partners:app_detail": "GET /api/v1/apps",
    "delivery:document_badges": "GET /api/v1/documents/{document_id}",  # `deliveries` in the detail
    "delivery:history": "GET /api/v1/deliveries",
    "delivery:app_chart": None,
    # The export is for spreadsheets; a program pages through the same rows (same filters) as JSON.
    "delivery:history_csv": "GET /api/v1/deliveries",
    "delivery:outbox": None,  # the embedded SMTP sink's mailbox: a demo/dev screen of the operator
    "delivery:outbox_attachment": None,
    "intake:company_mailboxes": "GET /api/v1/companies/{company_id}/mailboxes",
    "intake:quarantine": "GET /api/v1/companies/{company_id}/quarantine",
    "intake:zip_panel": None,
    "intake:zip_progress": "GET /api/v1/zip-imports/{zip_import_id}",
    "intake:phone_panel": None,
    "docrequests:board": "GET /api/v1/requests",
    "docrequests:to_provide": "GET /api/v1/requests",
    "docrequests:detail": "GET /api/v1/requests/{request_id}",
    "ops:healthz": None,  # operator probes, not UI
    "ops:metrics": None,
}


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, route, ns)
        elif isinstance(entry, URLPattern):
            yield route, f"{namespace}{entry.name}", entry.callback


def _ui_routes() -> dict[str, object]:
    return {name: callback for route, name, callback in _walk(get_resolver().url_patterns)
            if not route.startswith(API_PREFIX)}


def _restricted_methods(callback) -> list[str] | None:
    """The methods of a `require_http_methods` (or require_POST/GET) decorator, if the view has one."""
    func = callback
    while func is not None:
        try:
            nonlocals = inspect.getclosurevars(func).nonlocals
        except TypeError:
            nonlocals = {}
        if "request_method_list" in nonlocals:
            return [method.upper() for method in nonlocals["request_method_list"]]
        func = getattr(func, "__wrapped__", None)
    return None


def accepts_post(callback) -> bool:
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return "post" in view_class.http_method_names and hasattr(view_class, "post")
    methods = _restricted_methods(callback)
    if methods is not None:
        return "POST" in methods
    # A function view that tests the method or reads a form, itself or through a helper of its module
    # it hands the request to, acts on POST.
    view = inspect.unwrap(callback)
    source = inspect.getsource(view)
    module = inspect.getmodule(view)
    helpers = [getattr(module, name) for name in re.findall(r"(\w+)\(request\b", source)
               if inspect.isfunction(getattr(module, name, None))]
    return any("POST" in text for text in [source, *map(inspect.getsource, helpers)])


@cache
def _operations() -> set[str]:
    from comptoir.api.app import api

    return {f"{method.upper()} {path}" for path, ops in api.get_openapi_schema()["paths"].items() for method in ops}


def test_every_ui_route_is_classified():
    routes = _ui_routes()
    listed = [ACTIONS, NO_API, READS]
    unclassified = [name for name in routes if not any(name in table for table in listed)]
    assert not unclassified, (
        f"UI routes with no place in tests/api/test_parity.py: {unclassified}. An action needs its API twin "
        f"in ACTIONS (or a reason in NO_API); a page goes in READS.")
    twice = [name for name in routes if sum(name in table for table in listed) > 1]
    assert not twice, f"listed in more than one table: {twice}"
    stale = [name for table in listed for name in table if name not in routes]
    assert not stale, f"no such UI route any more, remove from the tables: {stale}"


def test_reads_do_not_hide_actions():
    routes = _ui_routes()
    hidden = [name for name in READS if name in routes and accepts_post(routes[name])]
    assert not hidden, f"these views accept POST, so they are actions: move them to ACTIONS or NO_API: {hidden}"


def test_the_action_detector_sees_both_kinds():
    """A control, so the test above cannot pass by a detector that always says no."""
    routes = _ui_routes()
    assert accepts_post(routes["ged:folder_rename"])  # a helper tests the method
    assert accepts_post(routes["delivery:retry"])  # @require_POST
    assert accepts_post(routes["accounts:login"])  # class view
    assert not accepts_post(routes["delivery:history"])  # @require_GET
    assert not accepts_post(routes["ged:trash"])  # a page


@pytest.mark.parametrize("ui_name", sorted(ACTIONS))
def test_ui_action_has_an_api_twin(ui_name):
    missing = [operation for operation in ACTIONS[ui_name] if operation not in _operations()]
    assert not missing, f"{ui_name}: not in /api/v1/openapi.json: {missing}"


@pytest.mark.parametrize("ui_name", sorted(name for name, twin in READS.items() if twin))
def test_ui_read_has_an_api_twin(ui_name):
    assert READS[ui_name] in _operations(), f"{ui_name}: {READS[ui_name]} is not in /api/v1/openapi.json"


def test_the_openapi_document_is_served(client):
    """The operations checked above are those a client reads at /api/v1/openapi.json."""
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    served = {f"{m.upper()} {p}" for p, ops in response.json()["paths"].items() for m in ops}
    assert served == _operations()
