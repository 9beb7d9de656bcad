"""No query string makes a page or an endpoint answer 500 (issue 22, finding 9).

A query string is written by whoever holds the URL. Every list parameter goes through one parser
(`comptoir/core/params.py`): out-of-bounds dates, non-finite amounts and huge page numbers are a line on
the page and a 400/422 in the API. The first tests are the cases the review found; the last one is
generated: every GET route of the URLconf (web and API, read from it like tests/test_tenancy.py), with
its ids filled by the tenant's objects, requested with hostile query strings.
"""

import re

import pytest
from django.test import Client
from django.urls import get_resolver
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from comptoir.accounts.services import api_token_create
from tests.conftest import login
from tests.factories import deposit_pdf, folder_named
from tests.test_tenancy import (
    ARGUMENTS,
    SHARED_ARGUMENTS,
    Tenant,
    UnknownArgument,
    _api_operations,
    _argument_key,
    _openapi,
    _url,
    _walk,
)

pytestmark = [pytest.mark.django_db, pytest.mark.embedded_only]

HUGE = "99999999999999999999999"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def api(user):
    token = api_token_create(user=user, name="hostile")[1]
    client = Client(raise_request_exception=False)
    return lambda path: client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"})


def lines(response) -> list[str]:
    return re.findall(r'class="error list-param-error"[^>]*>([^<]+)<', response.content.decode())


@pytest.mark.parametrize("query", [{"au": "9999-12-31"}, {"du": "0001-01-01"}, {"page": HUGE},
                                   {"company": HUGE}])
def test_the_search_page_says_which_parameter_it_refused(company, firm_admin, query):
    deposit_pdf(folder_named(company, "Ventes"), actor=firm_admin, name="facture.pdf")
    response = login(firm_admin).get("/ged/recherche/", {"q": "facture", **query})
    assert response.status_code == 200
    assert len(lines(response)) == 1, response.content.decode()[:2000]


@pytest.mark.parametrize("query", [{"au": "9999-12-31"}, {"du": "0001-01-01"}, {"montant_min": "NaN"},
                                   {"montant_min": "sNaN"}, {"montant_min": "-Infinity"}])
def test_the_folder_page_drops_an_extreme_filter_with_a_line_and_the_api_refuses_it(company, firm_admin, query):
    sales = folder_named(company, "Ventes")
    deposit_pdf(sales, actor=firm_admin, name="facture.pdf")
    page = login(firm_admin).get(f"/ged/dossier/{sales.pk}/", query)
    assert page.status_code == 200 and "facture.pdf" in page.content.decode()
    [line] = lines(page)
    assert next(iter(query.values())) in line
    answer = api(firm_admin)(f"/folders/{sales.pk}/documents?" + "&".join(f"{k}={v}" for k, v in query.items()))
    assert answer.status_code == 400, answer.content
    assert set(answer.json()["detail"]) == set(query)


@pytest.mark.parametrize("path", ["/search?q=facture&until=9999-12-31", "/search?q=facture&since=0001-01-01",
                                  f"/search?q=facture&offset={HUGE}", "/companies/{company}/quarantine?offset=" + HUGE,
                                  "/companies/{company}/quarantine?limit=0"])
def test_the_api_answers_422_to_extreme_list_parameters(company, firm_admin, path):
    answer = api(firm_admin)(path.format(company=company.pk))
    assert answer.status_code == 422, answer.content
    assert answer.json()["error"] == "invalid_request"


# --- generated: every GET of the URLconf, hostile query strings -------------------------------------

HOSTILE = ["9999-12-31", "0001-01-01", "2026-02-30", "NaN", "sNaN", "-Infinity", "1e999999", HUGE, f"-{HUGE}",
           "-1", "0", "", "\x00", "%", "１２", "²", "x" * 400, "' OR 1=1 --", "[]", "2026-01-01T00:00"]
KEYS = ["du", "au", "page", "offset", "limit", "montant_min", "echeance_avant", "q", "company", "folder", "tri",
        "canal", "depose_par", "type", "envoi", "client", "state", "sort", "status", "from", "to", "since",
        "until", "sous_dossiers", "vue", "stamp", "next", "siren", "index"]
# GET routes that end the session or are not pages.
SKIPPED = {"accounts:logout"}


def _get_routes() -> list:
    routes = {}
    for route in _walk(get_resolver().url_patterns):
        if route.is_regex or route.name in SKIPPED or route.route in routes:
            continue
        if route.is_api:
            openapi_path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.route)
            if openapi_path not in _openapi()["paths"]:
                continue  # the API's root, its schema and viewer: no parameters of ours
            if "get" not in _api_operations(route):
                continue
        elif "get" not in route.methods:
            continue
        routes[route.route] = route
    return sorted(routes.values(), key=lambda r: r.route)


GET_ROUTES = _get_routes()


def test_the_generated_walk_covers_web_and_api_pages():
    assert len(GET_ROUTES) > 40
    assert any(route.is_api for route in GET_ROUTES) and any(not route.is_api for route in GET_ROUTES)


SWEEP = ["9999-12-31", "0001-01-01", "NaN", "sNaN", HUGE, "-1", "\x00", "x" * 400]


def _prober(company, firm_admin):
    """`get(route, query)`: the route's URL with the tenant's ids, requested as the firm's admin."""
    tenant = Tenant(company=company, owner=firm_admin)
    web = Client(raise_request_exception=False)
    web.force_login(firm_admin)
    token = api_token_create(user=firm_admin, name="hostile")[1]
    urls = {}

    def url_of(route) -> str | None:
        if route.route not in urls:
            try:
                values = {argument: (ARGUMENTS.get(key) or SHARED_ARGUMENTS[key])(tenant)
                          for argument in route.arguments for key in [_argument_key(route, argument)]}
            except UnknownArgument:
                values = None
            urls[route.route] = _url(route, values) if values is not None else None
        return urls[route.route]

    def get(route, query) -> str | None:
        """None when fine, else what went wrong."""
        url = url_of(route)
        if url is None:
            return None
        headers = {"Authorization": f"Bearer {token}"} if route.is_api else {}
        response = web.get(url, query, headers=headers)
        shown = {key: value[:30] for key, value in query.items()}
        if len(set(shown.values())) == 1:
            shown = f"every parameter = {next(iter(shown.values()))!r}"
        return f"GET {url} ({shown}): {response.status_code}" if response.status_code >= 500 else None

    return get


def test_every_get_route_survives_every_parameter_set_to_an_extreme_value(company, firm_admin, settings):
    """Every known parameter name at once, each sweep value in turn: `q` is set too, so a search runs."""
    settings.EMBEDDED = True
    get = _prober(company, firm_admin)
    failures = [problem for route in GET_ROUTES for value in SWEEP
                for problem in [get(route, dict.fromkeys(KEYS, value))] if problem]
    assert not failures, "\n".join(failures)


def test_no_query_string_makes_a_500(company, firm_admin, settings):
    """Mixed parameters, generated; a search term often, so the search's own parameters are reached."""
    settings.EMBEDDED = True
    get = _prober(company, firm_admin)

    @hypothesis_settings(max_examples=150, deadline=None, database=None)
    @given(route=st.sampled_from(GET_ROUTES), search=st.sampled_from([{}, {"q": "facture"}]),
           query=st.dictionaries(st.sampled_from(KEYS), st.one_of(st.sampled_from(HOSTILE), st.text(max_size=20)),
                                 min_size=1, max_size=4))
    def probe(route, search, query):
        problem = get(route, {**search, **query})
        assert problem is None, problem

    probe()
