"""Fixtures of the partner area: Upflow installed and connected to the persona company."""

import pytest

from comptoir.partners.services import connection_set, folder_switch_set, installation_create
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
def piece_express(firm, company, firm_admin):
    return connect(firm=firm, company=company, slug="piece-express",
                   destinations={"achats": "achats@pe.example", "ventes": "ventes@pe.example"}, actor=firm_admin)
