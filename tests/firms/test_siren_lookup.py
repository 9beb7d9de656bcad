"""Filling a new company from its SIREN: a fake provider, and the public API's provider against a loopback server."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from comptoir.firms.siren_lookup import CompanyFacts, RechercheEntreprises, SirenLookupUnavailable

pytestmark = pytest.mark.django_db


class FakeSirenLookup:
    """What a test knows, offline."""

    known = {"443061841": CompanyFacts(siren="443061841", name="Boulangerie du Port", siret="44306184100047")}

    def lookup(self, siren: str) -> CompanyFacts | None:
        return self.known.get(siren)


FAKE = f"{__name__}.FakeSirenLookup"


def test_lookup_fills_name_and_siret_on_the_new_company_form(admin_client, settings):
    settings.COMPTOIR_SIREN_LOOKUP = FAKE
    assert "Remplir depuis le SIREN" in admin_client.get(reverse("web:company_new")).text
    response = admin_client.get(reverse("web:siren_lookup"), {"siren": "443 061 841"}, HTTP_HX_REQUEST="true")
    assert "Trouvée\u00a0: Boulangerie du Port" in response.text
    assert 'id="id_name" value="Boulangerie du Port"' in response.text and 'hx-swap-oob="true"' in response.text
    assert 'value="44306184100047"' in response.text


def test_lookup_says_when_nothing_is_found_or_the_siren_is_invalid(admin_client, settings):
    settings.COMPTOIR_SIREN_LOOKUP = FAKE
    assert "Aucune entreprise trouvée pour ce SIREN." in admin_client.get(
        reverse("web:siren_lookup"), {"siren": "732829320"}).text
    assert "SIREN invalide" in admin_client.get(reverse("web:siren_lookup"), {"siren": "123"}).text


def test_no_lookup_button_without_a_provider(admin_client, settings):
    settings.COMPTOIR_SIREN_LOOKUP = ""
    assert "Remplir depuis le SIREN" not in admin_client.get(reverse("web:company_new")).text


def test_lookup_is_for_those_who_create_companies(client_user, settings):
    from tests.conftest import login

    settings.COMPTOIR_SIREN_LOOKUP = FAKE
    assert login(client_user).get(reverse("web:siren_lookup"), {"siren": "443061841"}).status_code == 403


class _Api(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):  # noqa: N802
        body = json.dumps({"results": [{"siren": "443061841", "nom_complet": "BOULANGERIE DU PORT (BDP)",
                                        "nom_raison_sociale": "BOULANGERIE DU PORT",
                                        "siege": {"siret": "44306184100047"}}]}).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)
        type(self).queries.append(self.path)

    def log_message(self, *args):
        pass


@pytest.fixture
def api_server():
    _Api.queries, _Api.status = [], 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Api)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_public_api_provider_reads_name_and_head_office_siret(api_server):
    facts = RechercheEntreprises(base_url=api_server).lookup("443061841")
    assert facts == CompanyFacts(siren="443061841", name="BOULANGERIE DU PORT", siret="44306184100047")
    assert _Api.queries[0].startswith("/search?q=443061841")
    assert RechercheEntreprises(base_url=api_server).lookup("732829320") is None


def test_public_api_provider_unavailable_is_said_not_raised_to_the_page(api_server, admin_client, settings):
    _Api.status = 503
    with pytest.raises(SirenLookupUnavailable):
        RechercheEntreprises(base_url=api_server).lookup("443061841")
    settings.COMPTOIR_SIREN_LOOKUP, settings.COMPTOIR_SIREN_LOOKUP_URL = "recherche-entreprises", api_server
    response = admin_client.get(reverse("web:siren_lookup"), {"siren": "443061841"})
    assert "La recherche d&#x27;entreprises ne répond pas" in response.text
