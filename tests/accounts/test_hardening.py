"""Hardening: a strict CSP on every HTML page, HSTS on HTTPS deployments, private data-dir files,
the API docs served by the portal itself."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import login
from tests.sites import comptoir_run, embedded_env

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[2]


def _csp(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in header.split(";")) if part}


@pytest.mark.parametrize("url", ["accounts:login", "accounts:password_reset"])
def test_anonymous_pages_carry_a_strict_csp(url):
    response = Client().get(reverse(url))
    policy = _csp(response)
    assert policy["script-src"] == "script-src 'self'"
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert policy["object-src"] == "object-src 'none'"
    # The firm's colours are the one inline style, allowed by its nonce.
    nonce = policy["style-src"].split("'nonce-")[1].rstrip("'")
    assert f'<style nonce="{nonce}">' in response.text


def test_portal_pages_have_no_inline_script_or_handler(firm_admin, company):
    from tests.factories import folder_named

    web = login(firm_admin)
    for url in [reverse("web:home"), reverse("ged:folder", args=[folder_named(company, "Ventes").pk]),
                reverse("accounts:settings")]:
        response = web.get(url)
        assert response.status_code == 200 and "Content-Security-Policy" in response
        text = response.text
        assert "<script>" not in text and " onclick=" not in text and " onchange=" not in text, url


def test_api_docs_are_served_locally(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    assert "cdn." not in response.text and "/static/ninja/swagger-ui-bundle.js" in response.text


def test_hsts_when_the_portal_is_served_over_https(tmp_path):
    code = ("from django.conf import settings; import django; django.setup(); "
            "print(settings.SECURE_HSTS_SECONDS, settings.SESSION_COOKIE_SECURE)")
    env = {**os.environ, "COMPTOIR_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "comptoir.settings"}
    https = subprocess.run([sys.executable, "-c", code], env={**env, "COMPTOIR_BASE_URL": "https://portail.cabinet.fr"},
                           capture_output=True, text=True, cwd=REPO, check=True)
    assert https.stdout.split() == ["31536000", "True"]
    plain = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=REPO, check=True)
    assert plain.stdout.split()[0] == "0"


@pytest.mark.embedded_only  # the SQLite file and the secret key a first start makes in the data dir
def test_data_dir_files_are_not_world_readable(tmp_path):
    # The one test that migrates a data dir from nothing in a subprocess, as a first start does; the
    # others copy the session's migrated template (tests/sites.py).
    comptoir_run(embedded_env(tmp_path), "migrate", "--verbosity", "0")
    created = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert any(path.name == "comptoir.sqlite3" for path in created)
    readable_by_all = [str(path) for path in created if path.stat().st_mode & stat.S_IROTH]
    assert not readable_by_all


def test_openapi_schema_has_no_duplicate_keys(db):
    """Swagger UI reads the schema with a YAML parser, which refuses a key given twice (`200` and `"200"`)."""
    import json

    duplicates = []

    def keep(pairs):
        keys = [key for key, _ in pairs]
        duplicates.extend({key for key in keys if keys.count(key) > 1})
        return dict(pairs)

    json.loads(Client().get("/api/v1/openapi.json").content, object_pairs_hook=keep)
    assert not duplicates
