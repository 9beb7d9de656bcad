"""The embedded profile never sends a real firm to the fake Upflow: only the demo's connections go there."""

import os
import subprocess
import sys

import pytest

from comptoir.partners.catalogue.registry import app_get
from comptoir.partners.fake_upflow.server import FakeUpflow
from comptoir.partners.models import Connection
from comptoir.partners.services import connection_api_set, installation_create
from tests.partners.conftest import UPFLOW_KEY, UPFLOW_SECRET

pytestmark = pytest.mark.embedded_only


def test_embedded_defaults_point_upflow_at_its_public_api_and_still_run_the_demos_fake():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMPTOIR_UPFLOW", "COMPTOIR_FAKE_UPFLOW",
                                                                        "DATABASE_URL"))}
    out = subprocess.run(
        [sys.executable, "-c", "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
         "'comptoir.settings'); django.setup(); from django.conf import settings as s; "
         "print(s.COMPTOIR_UPFLOW_API_URL, s.COMPTOIR_FAKE_UPFLOW)"],
        env=env, capture_output=True, text=True, check=True, timeout=120).stdout.split()
    assert out[-2:] == ["https://api.upflow.io/v1/", "True"]


def test_a_firms_connection_goes_to_the_public_api_and_the_demos_to_its_own_base_url(
        fake, firm, company, firm_admin, api_as, settings):
    with FakeUpflow(accounts={}) as public:  # "Upflow's public API", which knows nothing of the demo's key
        settings.COMPTOIR_UPFLOW_API_URL = public.base_url
        installation = installation_create(firm=firm, slug="upflow", actor=firm_admin)
        method = app_get("upflow").method_get("api")
        # Through the API, a base URL in the payload is ignored: it is not part of ConnectionIn.
        response = api_as(firm_admin).send("PUT", f"/apps/upflow/connections/{company.pk}", {
            "method": "api", "api_key": UPFLOW_KEY, "api_secret": UPFLOW_SECRET, "base_url": fake.base_url})
        assert response.status_code == 400, "checked against the public API, not the fake the payload names"
        assert not Connection.objects.exists()
        # The demo seed's connection (code, never a firm's input) carries the fake's URL.
        demo = connection_api_set(installation=installation, company=company, api_key=UPFLOW_KEY,
                                  api_secret=UPFLOW_SECRET, actor=firm_admin, check=False, base_url=fake.base_url)
        assert method.client(demo).base_url() == fake.base_url
        assert method.client(Connection(config={})).base_url() == public.base_url
