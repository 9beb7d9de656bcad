"""Fixtures of the partner area: Upflow installed and connected to the persona company."""

import pytest

from comptoir.partners.fake_upflow.server import FakeUpflow
from comptoir.partners.services import connection_api_set, connection_set, folder_switch_set, installation_create
from tests.api.conftest import _fast_passwords, api_as  # noqa: F401 (fixtures of the API tests)
from tests.delivery.test_workers import site_factory  # noqa: F401 (fixture: real worker processes)


def connect(*, firm, company, slug, destinations, actor):
    from comptoir.partners.selectors import installation_get_active

    installation = installation_get_active(firm=firm, slug=slug) or installation_create(firm=firm, slug=slug,
                                                                                         actor=actor)
    return connection_set(installation=installation, company=company, destinations=destinations, actor=actor)


def switch(folder, connection, state, *, actor=None, destination=None):
    return folder_switch_set(folder=folder, connection=connection, state=state, destination=destination, actor=actor)


@pytest.fixture
def upflow(firm, company, firm_admin):
    return connect(firm=firm, company=company, slug="upflow",
                   destinations={"collection": "factures.boulangerie@upflow.example"}, actor=firm_admin)


@pytest.fixture
def inqom(firm, company, firm_admin):
    return connect(firm=firm, company=company, slug="inqom",
                   destinations={"achats": "achat.boulangerie@inqombox.com",
                                 "ventes": "vente.boulangerie@inqombox.com"}, actor=firm_admin)


# --- Upflow by API, against the local fake Upflow over HTTP on loopback ---------------------------

UPFLOW_KEY, UPFLOW_SECRET = "key-boulangerie", "s3cr3t-boulangerie-0123456789"


@pytest.fixture
def fake(settings):
    with FakeUpflow(accounts={UPFLOW_KEY: UPFLOW_SECRET}) as server:
        settings.COMPTOIR_UPFLOW_API_URL = server.base_url
        yield server


@pytest.fixture
def upflow_api(fake, firm, company, firm_admin):
    """Upflow connected to the persona company by API, and on for `Ventes`."""
    from tests.delivery.conftest import ventes

    installation = installation_create(firm=firm, slug="upflow", actor=firm_admin)
    connection = connection_api_set(installation=installation, company=company, api_key=UPFLOW_KEY,
                                    api_secret=UPFLOW_SECRET, actor=firm_admin)
    folder_switch_set(folder=ventes(company), connection=connection, state="on", actor=firm_admin)
    return connection
