"""Every URL that takes an id answers 404 to someone who does not own what the id names.

The URLs are not listed here: they are read from the project's URLconf (web views and the API
alike), so a URL added tomorrow is covered by this test the day it is added. Each URL argument is
filled, by its name, with an object of one tenant (firm "Cabinet Alpha", company "Boulangerie
Alpha"), then requested by two people who must not reach it:

- the administrator of another firm;
- a client user of another company of the same firm.

Web views are requested with a session, API routes with a bearer token, with every method they
accept. As a control, the owner's GET must NOT be a 404, so a wrong mapping cannot pass silently.

A URL argument whose name this test does not know makes the test fail: add it to `ARGUMENTS`
(or to `KINDS_BY_SEGMENT` for a generic `pk`/`id`/`slug`).
"""

import re
import uuid
from dataclasses import dataclass
from functools import cache, cached_property

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern
from django.utils.http import urlsafe_base64_encode

from comptoir.accounts.services import api_token_create
from tests.factories import PDF_BYTES, deposit_pdf, folder_named

API_PREFIX = "api/"
HTTP_METHODS = ("get", "post", "put", "patch", "delete")


# ---------------------------------------------------------------------------------------------
# The URLs, read from the URLconf
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Route:
    route: str  # the full route, e.g. "api/v1/documents/<int:document_id>"
    name: str  # namespaced URL name, for messages and for reversing regex routes
    arguments: tuple[str, ...]
    is_regex: bool = False
    methods: tuple[str, ...] = ("get", "post")

    @property
    def is_api(self) -> bool:
        return self.route.startswith(API_PREFIX)

    def __str__(self) -> str:
        return f"/{self.route} ({self.name})"


def _view_methods(callback) -> tuple[str, ...]:
    view_class = getattr(callback, "view_class", None)
    if view_class is None:
        return ("get", "post")  # a function view: try both; a 405 for one of them is fine
    return tuple(m for m in HTTP_METHODS if m in view_class.http_method_names and hasattr(view_class, m))


def _walk(patterns, prefix: str = "", namespace: str = "", regex: bool = False):
    for entry in patterns:
        pattern = entry.pattern
        route = prefix + str(pattern)
        is_regex = regex or (isinstance(pattern, RegexPattern) and bool(pattern.regex.groupindex))
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, route, ns, is_regex)
        elif isinstance(entry, URLPattern):
            # `<int:company_id>` in a route and `(?P<company_id>…)` in a regex alike.
            names = re.findall(r"<(?:\w+:)?(\w+)>", route)
            yield Route(route=route, name=f"{namespace}{entry.name or '?'}", arguments=tuple(dict.fromkeys(names)),
                        is_regex=is_regex, methods=_view_methods(entry.callback))


def _routes_with_arguments() -> list[Route]:
    unique = {}
    for route in _walk(get_resolver().url_patterns):
        if route.arguments and route.route not in unique:
            unique[route.route] = route
    return sorted(unique.values(), key=lambda r: r.route)


ROUTES = _routes_with_arguments()


# ---------------------------------------------------------------------------------------------
# The tenant's objects, created only when a URL needs them
# ---------------------------------------------------------------------------------------------

class Tenant:
    """Cabinet Alpha's objects. Each is made on first use, so the test only needs the models of the
    apps whose URLs exist."""

    APP_SLUG = "upflow"

    def __init__(self, *, company, owner):
        self.company = company
        self.firm = company.firm
        self.owner = owner

    @cached_property
    def folder(self):
        return folder_named(self.company, "Ventes")

    @cached_property
    def document(self):
        return deposit_pdf(self.folder, actor=self.owner)

    @cached_property
    def trashed_folder(self):
        from comptoir.ged.services import folder_create, folder_trash

        folder = folder_create(company=self.company, parent=self.folder, name="Ancien", actor=self.owner)
        return folder_trash(folder=folder, actor=self.owner)

    @cached_property
    def trashed_document(self):
        from comptoir.ged.services import document_trash

        return document_trash(document=deposit_pdf(self.folder, actor=self.owner, name="jete.pdf"), actor=self.owner)

    @cached_property
    def api_token(self):
        return api_token_create(user=self.owner, name="tenant")[0]

    @cached_property
    def invitation(self):
        from comptoir.firms.services import invitation_create

        return invitation_create(firm=self.firm, company=self.company, email="invitee@boulangerie.fr",
                                 role="client_member", actor=self.owner)

    @cached_property
    def member(self):
        from tests.factories import UserFactory, membership_for

        return membership_for(UserFactory(email="membre@boulangerie.fr"), firm=self.firm, role="client_member",
                              company=self.company)

    @cached_property
    def zip_import(self):
        from comptoir.intake.models import ZipImport

        return ZipImport.objects.create(folder=self.folder, actor=self.owner, archive_name="lot.zip")

    @cached_property
    def quarantined(self):
        from django.core.files.base import ContentFile
        from django.utils import timezone

        from comptoir.intake.services.quarantine import quarantine_hold

        return quarantine_hold(company=self.company, folder=self.folder, file=ContentFile(PDF_BYTES),
                               filename="facture.pdf", mailbox="ventes", recipient="ventes+x.t@depot.test",
                               reason="unauthenticated", authentication="", sender="x@evil.example",
                               envelope_sender="x@evil.example", subject="", message_id="<t@x>",
                               message_key="t", idempotency_key="tenancy", received_at=timezone.now())

    @cached_property
    def installation(self):
        from comptoir.partners.models import Installation

        return Installation.objects.create(firm=self.firm, app_slug=self.APP_SLUG, installed_by=self.owner)

    @cached_property
    def connection(self):
        from comptoir.partners.models import Connection

        return Connection.objects.create(installation=self.installation, company=self.company, created_by=self.owner)

    @cached_property
    def destination(self):
        from comptoir.partners.models import Destination

        return Destination.objects.create(connection=self.connection, key="collect",
                                          address="factures@upflow.example")

    @cached_property
    def switch(self):
        from comptoir.partners.models import FolderSwitch

        return FolderSwitch.objects.create(folder=self.folder, connection=self.connection, state="on",
                                           set_by=self.owner)

    @cached_property
    def delivery(self):
        from comptoir.partners.models import Delivery

        document = self.document
        existing = Delivery.objects.filter(document=document).first()
        return existing or Delivery.objects.create(
            document=document, lineage=document.lineage, destination=self.destination, company=self.company,
            firm=self.firm, app_slug=self.APP_SLUG, trigger="deposit")


    @cached_property
    def firm_only_receivable(self):
        """An invoice the firm keeps in a firm-only folder, pushed to Upflow and synced (open)."""
        from django.utils import timezone

        from comptoir.ged.services import folder_create
        from comptoir.partners.models import Delivery, Receivable

        folder = folder_create(company=self.company, parent=self.folder, name="Interne", actor=self.owner,
                               firm_only=True)
        document = deposit_pdf(folder, actor=self.owner, name="interne.pdf")
        delivery = Delivery.objects.filter(document=document).first() or Delivery.objects.create(
            document=document, lineage=document.lineage, destination=self.destination, company=self.company,
            firm=self.firm, app_slug=self.APP_SLUG, trigger="deposit")
        return Receivable.objects.create(delivery=delivery, document=document, company=self.company,
                                         app_slug=self.APP_SLUG, external_id="comptoir-interne",
                                         number="F-CABINET-SEUL", customer_name="Client Secret",
                                         currency="EUR", state="open", synced_at=timezone.now())

    @cached_property
    def docrequest(self):
        import datetime as dt

        from comptoir.docrequests.services import docrequest_create

        return docrequest_create(company=self.company, title="Relevés", due_date=dt.date(2030, 1, 10),
                                 folder=self.folder, actor=None)

    @cached_property
    def outbox_message(self):
        """A message the embedded SMTP sink received for one of this tenant's deliveries."""
        from email.message import EmailMessage

        from comptoir.delivery.sink import outbox_dir

        message = EmailMessage()
        message["To"], message["Subject"] = self.destination.address, "Facture"
        message["X-Comptoir-Delivery-Id"] = str(self.delivery.pk)
        message.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="facture.pdf")
        outbox_dir().mkdir(parents=True, exist_ok=True)
        name = f"tenant-{self.delivery.pk}.eml"
        (outbox_dir() / name).write_bytes(message.as_bytes())
        return name


# Argument name → how to get its value from the tenant. A value from `shared` is not owned by any
# tenant (e.g. a catalogue entry); a URL is checked when at least one of its arguments is owned.
ARGUMENTS = {
    "company_id": lambda t: t.company.pk,
    "company_slug": lambda t: t.company.slug,
    "firm_slug": lambda t: t.firm.slug,
    "folder_id": lambda t: t.folder.pk,
    "parent_id": lambda t: t.folder.pk,
    "document_id": lambda t: t.document.pk,
    "token_id": lambda t: t.api_token.pk,
    "token": lambda t: t.invitation.token,
    "invitation_id": lambda t: t.invitation.pk,
    "user_id": lambda t: t.member.user.pk,
    "member_id": lambda t: t.member.pk,
    "membership_id": lambda t: t.member.pk,
    "installation_id": lambda t: t.installation.pk,
    "connection_id": lambda t: t.connection.pk,
    "destination_id": lambda t: t.destination.pk,
    "switch_id": lambda t: t.switch.pk,
    "delivery_id": lambda t: t.delivery.pk,
    "zip_import_id": lambda t: t.zip_import.pk,
    "quarantine_id": lambda t: t.quarantined.pk,
    "name": lambda t: t.outbox_message,
    "uidb64": lambda t: urlsafe_base64_encode(str(t.owner.pk).encode()),
    "request_id": lambda t: t.docrequest.pk,
}
# Under some segments an argument names a particular state of the object (the trash restores
# trashed things): segment → {argument: function}.
ARGUMENTS_UNDER_SEGMENT = {
    "corbeille": {"folder_id": lambda t: t.trashed_folder.pk, "document_id": lambda t: t.trashed_document.pk},
}
SHARED_ARGUMENTS = {
    # The position of an attachment in a message: meaningful only with the message's name.
    "index": lambda t: 0,
    # The app is a catalogue entry; the tenant has it installed and connected, so the owner's control works.
    "app_slug": lambda t: t.destination and t.APP_SLUG,
}
# For a generic `pk`, `id` or `slug`: the URL segment just before it says what it names.
KINDS_BY_SEGMENT = {
    ("entreprises", "entreprise", "companies", "company"): ("company_id", "company_slug"),
    ("cabinets", "cabinet", "firms", "firm"): (None, "firm_slug"),
    ("dossiers", "dossier", "folders", "folder", "corbeille"): ("folder_id", None),
    ("documents", "document", "fichiers"): ("document_id", None),
    ("jetons", "tokens"): ("token_id", None),
    ("invitations", "invitation"): ("invitation_id", "token"),
    ("utilisateurs", "users", "membres", "members", "collaborateurs"): ("member_id", None),
    ("applications", "apps", "catalogue"): ("installation_id", "app_slug"),
    ("installations",): ("installation_id", None),
    ("connexions", "connections"): ("connection_id", None),
    ("destinations", "adresses"): ("destination_id", None),
    ("switches", "interrupteurs"): ("switch_id", "app_slug"),
    ("envois", "deliveries", "livraisons", "historique"): ("delivery_id", None),
    ("zip", "imports"): ("zip_import_id", None),
}
# URLs whose argument is a secret capability rather than a tenant's id: whoever holds the link may
# use it (an invitation is accepted by a person without an account yet). For those, the test
# checks that a forged value is a 404 instead.
CAPABILITY_URLS = {
    "firms:invitation_accept": "le lien d'invitation est le secret : qui le détient peut l'accepter",
    # Public by design: a firm's login page and its logo are what anyone sees before signing in.
    "web:firm_login": "la page de connexion d'un cabinet est publique ; un cabinet inconnu est un 404",
    "web:firm_login_logo": "le logo d'une page de connexion est public ; un cabinet inconnu est un 404",
    "accounts:password_reset_confirm": "le lien de réinitialisation est le secret (uid + jeton signé)",
}


# Known problems, reported to their owners: shown as xfail until fixed, never silently passing.
KNOWN_ISSUES: dict[str, str] = {}


class UnknownArgument(Exception):
    pass


def _argument_key(route: Route, argument: str) -> str:
    if argument in ARGUMENTS or argument in SHARED_ARGUMENTS:
        return argument
    if argument in {"pk", "id", "slug"}:
        before = re.split(rf"<(?:\w+:)?{argument}>", route.route)[0].strip("/").split("/")
        segment = before[-1] if before else ""
        for segments, (id_key, slug_key) in KINDS_BY_SEGMENT.items():
            key = slug_key if argument == "slug" else id_key
            if segment in segments and key:
                return key
    raise UnknownArgument(
        f"{route}: the tenancy test does not know what the URL argument `{argument}` names. Add it to "
        f"ARGUMENTS in tests/test_tenancy.py (or the segment before a generic pk/id/slug to KINDS_BY_SEGMENT), "
        f"with a function returning the id of an object of the tenant."
    )


def _url(route: Route, values: dict) -> str:
    if route.is_regex:
        return reverse(route.name, kwargs=values)
    url = route.route
    for name, value in values.items():
        url = re.sub(rf"<(?:\w+:)?{name}>", str(value), url)
    return "/" + url


# ---------------------------------------------------------------------------------------------
# Requests: a session for the web, a bearer token plus a schema-shaped body for the API
# ---------------------------------------------------------------------------------------------

@cache
def _openapi() -> dict:
    from comptoir.api.app import api

    return api.get_openapi_schema()


def _api_operations(route: Route) -> dict:
    openapi_path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.route)
    operations = _openapi()["paths"].get(openapi_path)
    assert operations, f"{route}: not in the OpenAPI schema (is it mounted under {API_PREFIX} but not ninja?)"
    return operations


def _resolve(schema: dict, components: dict) -> dict:
    if "$ref" in schema:
        return components[schema["$ref"].rsplit("/", 1)[-1]]
    if "anyOf" in schema:
        return _resolve(next(s for s in schema["anyOf"] if s.get("type") != "null"), components)
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _resolve(schema["allOf"][0], components)
    return schema


def _sample(name: str, schema: dict, own: dict):
    """A value that passes the schema, so the request reaches the view; ids are the requester's own."""
    if name in own:
        return own[name]
    kind, fmt = schema.get("type"), schema.get("format")
    if schema.get("enum"):
        return schema["enum"][0]
    if fmt == "binary":
        return SimpleUploadedFile("piece.pdf", PDF_BYTES)
    samples = {"date": "2026-01-31", "date-time": "2026-01-31T10:00:00+01:00", "email": "x@example.fr",
               "uri": "https://example.fr/", "uuid": str(uuid.uuid4())}
    if fmt in samples:
        return samples[fmt]
    return {"integer": 1, "number": 1, "boolean": False, "array": [], "object": {}}.get(kind, "x")


def _api_body(operation: dict, own: dict) -> dict:
    components = _openapi().get("components", {}).get("schemas", {})
    content = operation.get("requestBody", {}).get("content", {})
    for content_type, media in content.items():
        schema = _resolve(media.get("schema", {}), components)
        data = {name: _sample(name, _resolve(prop, components), own)
                for name, prop in schema.get("properties", {}).items()}
        if content_type == "application/json":
            return {"data": data, "content_type": content_type}
        return {"data": data}  # multipart: the test client encodes it
    return {}


def _requests(route: Route, url: str, user, own: dict):
    """(method, response) for every method the URL accepts, as `user`."""
    client = Client()
    if route.is_api:
        token = api_token_create(user=user, name="tenancy")[1]
        headers = {"Authorization": f"Bearer {token}"}
        for method, operation in _api_operations(route).items():
            body = _api_body(operation, own) if method in {"post", "put", "patch"} else {}
            yield method, getattr(client, method)(url, headers=headers, **body)
    else:
        client.force_login(user)
        for method in route.methods:
            yield method, getattr(client, method)(url)


# ---------------------------------------------------------------------------------------------
# The test
# ---------------------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Dozens of users per run: Argon2's deliberate slowness buys nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def outsiders(other_firm_admin, other_company, other_client_user):
    """The two people who must not reach the tenant's objects, each with ids of their own."""
    own_company = other_client_user.membership.company
    return {
        "admin of another firm": (other_firm_admin, {"folder_id": folder_named(other_company, "Ventes").pk,
                                                     "parent_id": folder_named(other_company, "Ventes").pk,
                                                     "company_id": other_company.pk}),
        "client of another company of the same firm": (
            other_client_user, {"folder_id": folder_named(own_company, "Ventes").pk,
                                "parent_id": folder_named(own_company, "Ventes").pk,
                                "company_id": own_company.pk}),
    }


def test_url_enumeration_sees_web_and_api_urls():
    routes = {route.route for route in ROUTES}
    assert "api/v1/documents/<int:document_id>" in routes
    assert any(not route.is_api for route in ROUTES)


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_another_tenants_id_is_404_everywhere(route: Route, company, firm_admin, outsiders, settings):
    # Embedded-only pages (the local outbox) exist on every profile for this test.
    settings.EMBEDDED = True
    if route.name in KNOWN_ISSUES:
        pytest.xfail(KNOWN_ISSUES[route.name])
    tenant = Tenant(company=company, owner=firm_admin)
    try:
        keys = {argument: _argument_key(route, argument) for argument in route.arguments}
    except UnknownArgument as error:
        pytest.fail(str(error))
    if all(key in SHARED_ARGUMENTS for key in keys.values()):
        pytest.skip(f"{route}: only shared (non-tenant) arguments")
    segments = set(route.route.split("/"))
    overrides = {name: make for segment, by_name in ARGUMENTS_UNDER_SEGMENT.items() if segment in segments
                 for name, make in by_name.items()}
    values = {argument: (overrides.get(key) or ARGUMENTS.get(key) or SHARED_ARGUMENTS[key])(tenant)
              for argument, key in keys.items()}
    if route.name in CAPABILITY_URLS:
        values = {argument: f"forged-{uuid.uuid4().hex}" if key in ARGUMENTS else values[argument]
                  for argument, key in keys.items()}
    url = _url(route, values)

    problems = []
    for persona, (user, own) in outsiders.items():
        answers = list(_requests(route, url, user, own))
        for method, response in answers:
            if response.status_code not in (404, 405):
                where = f" → {response['Location']}" if response.has_header("Location") else ""
                problems.append(f"{method.upper()} {url} as {persona}: {response.status_code}{where} (expected 404)")
        if all(response.status_code == 405 for _, response in answers):
            problems.append(f"{url} as {persona}: every method answered 405, nothing was checked")
    assert not problems, "Another tenant's object must be a 404:\n" + "\n".join(problems)

    if route.name not in CAPABILITY_URLS:
        # Control: the owner reaches the object, so the 404s above are about tenancy, not a bad id.
        get = "get" in (_api_operations(route) if route.is_api else route.methods)
        if get:
            owner = _owner_get(route, url, firm_admin)
            assert owner.status_code != 404, f"GET {url} as the owner is a 404: check the mapping in ARGUMENTS"


def _owner_get(route: Route, url: str, owner):
    client = Client()
    if route.is_api:
        token = api_token_create(user=owner, name="tenancy-owner")[1]
        return client.get(url, headers={"Authorization": f"Bearer {token}"})
    client.force_login(owner)
    return client.get(url)


# --- The quarantine ("À valider") is the firm's: a client user of the very company gets 404 too. ---

QUARANTINE_ROUTES = [route for route in ROUTES if "quarantine" in route.name or "quarantine_id" in route.arguments]


def test_quarantine_urls_are_enumerated():
    assert len(QUARANTINE_ROUTES) >= 4, [str(route) for route in QUARANTINE_ROUTES]


@pytest.mark.parametrize("route", QUARANTINE_ROUTES, ids=str)
def test_quarantine_is_404_for_the_companys_own_client_users(route: Route, company, firm_admin, client_user):
    from comptoir.intake.models import QuarantinedDocument

    tenant = Tenant(company=company, owner=firm_admin)
    assert tenant.quarantined.status == "pending"
    values = {argument: ARGUMENTS[_argument_key(route, argument)](tenant) for argument in route.arguments}
    url = _url(route, values)
    for method, response in _requests(route, url, client_user, {"company_id": company.pk}):
        assert response.status_code in (404, 405), f"{method.upper()} {url} as the company's client: " \
                                                   f"{response.status_code}"
    assert QuarantinedDocument.objects.get().status == "pending"

# --- « Poste client »: even shared with the company, what the firm keeps firm-only is not shown. ---

RECEIVABLE_ROUTES = [route for route in ROUTES if "receivable" in route.name or "poste-client" in route.route
                     or "encaissement" in route.route or route.route.endswith("/invoice")]


def test_receivables_urls_are_enumerated():
    assert len(RECEIVABLE_ROUTES) >= 5, [str(route) for route in RECEIVABLE_ROUTES]


@pytest.mark.parametrize("route", RECEIVABLE_ROUTES, ids=str)
def test_receivables_urls_never_show_the_companys_client_users_a_firm_only_invoice(route: Route, company, firm_admin,
                                                                                  client_user):
    from comptoir.firms.models import Company

    tenant = Tenant(company=company, owner=firm_admin)
    hidden = tenant.firm_only_receivable
    Company.objects.filter(pk=company.pk).update(receivables_client_visible=True)
    values = {argument: hidden.document_id if argument == "document_id"
              else ARGUMENTS[_argument_key(route, argument)](tenant) for argument in route.arguments}
    url = _url(route, values)
    for method, response in _requests(route, url, client_user, {"company_id": company.pk}):
        assert hidden.number not in response.content.decode(errors="replace"), f"{method.upper()} {url}"
        if "document_id" in route.arguments:
            assert response.status_code in (404, 405), f"{method.upper()} {url}: {response.status_code}"
    if route.name == "partners:company_receivables":
        # Control: the firm sees the row, so its absence above is about visibility.
        assert hidden.number in _owner_get(route, url, firm_admin).content.decode()


# ---------------------------------------------------------------------------------------------
# GED search and bulk actions: their tenant ids travel in the query string or the body, so the
# URLconf walk above cannot fill them. Each is tried here with another tenant's ids.
# ---------------------------------------------------------------------------------------------

def test_ged_search_and_bulk_with_another_tenants_ids_are_404(company, firm_admin, outsiders):
    tenant = Tenant(company=company, owner=firm_admin)
    document, folder = tenant.document, tenant.folder
    requests = [
        ("get", f"/ged/recherche/?q=facture&company={company.pk}", {}),
        ("get", f"/ged/recherche/?q=facture&folder={folder.pk}", {}),
        ("get", f"/api/v1/search?q=facture&company={company.pk}", {}),
        ("get", f"/api/v1/search?q=facture&folder={folder.pk}", {}),
        ("post", "/api/v1/documents/bulk/move", {"document_ids": [document.pk], "folder_id": "own"}),
        ("post", "/api/v1/documents/bulk/trash", {"document_ids": [document.pk]}),
        ("post", "/api/v1/documents/bulk/restore", {"document_ids": [tenant.trashed_document.pk]}),
        ("post", "/api/v1/documents/bulk/zip", {"document_ids": [document.pk]}),
        ("post", "own-folder-bulk", {"action": "trash", "document": [document.pk]}),
        ("post", f"/ged/entreprise/{company.pk}/corbeille/restaurer/", {"document": [tenant.trashed_document.pk]}),
    ]
    problems = []
    for persona, (user, own) in outsiders.items():
        token = api_token_create(user=user, name="tenancy-ged")[1]
        for method, url, body in requests:
            client = Client()
            client.force_login(user)
            if url == "own-folder-bulk":
                url = reverse("ged:bulk", args=[own["folder_id"]])
            body = {key: own["folder_id"] if value == "own" else value for key, value in body.items()}
            if url.startswith("/api/"):
                response = getattr(client, method)(url, data=body, content_type="application/json",
                                                   headers={"Authorization": f"Bearer {token}"}) \
                    if method == "post" else client.get(url, headers={"Authorization": f"Bearer {token}"})
            else:
                response = getattr(client, method)(url, data=body)
            if response.status_code != 404:
                problems.append(f"{method.upper()} {url} as {persona}: {response.status_code}")
    assert not problems, "Another tenant's ids must be a 404:\n" + "\n".join(problems)
    document.refresh_from_db()
    assert document.deleted_at is None and document.folder_id == folder.pk
    # Control: the owner gets answers, not 404s.
    owner = Client()
    owner.force_login(firm_admin)
    assert owner.get(f"/ged/recherche/?q=facture&folder={folder.pk}").status_code == 200
