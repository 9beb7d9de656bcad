"""Static files as production serves them: hashed names from collectstatic, cached for a year by browsers.

The rest of the suite renders pages without a collected manifest (tests/conftest.py); this test puts the
production storage back, collects into a temporary folder and asks the real WSGI app over HTTP, as
`curl -I` would.
"""

import re
import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

import httpx
import pytest
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application

from tests.loopback import free_port

PRODUCTION_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def production_static(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "collected"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": PRODUCTION_STORAGE}}
    call_command("collectstatic", interactive=False, verbosity=0)
    server = make_server("127.0.0.1", free_port(), get_wsgi_application(), handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_settings_use_the_hashed_compressed_storage():
    from comptoir import settings as module

    assert module.STORAGES["staticfiles"]["BACKEND"] == PRODUCTION_STORAGE


def test_pages_link_hashed_static_files_cached_for_a_year(db, production_static):
    page = httpx.get(f"{production_static}/comptes/connexion/")
    assert page.status_code == 200
    [stylesheet] = re.findall(r'href="(/static/comptoir/comptoir\.[0-9a-f]{12}\.css)"', page.text)

    response = httpx.head(f"{production_static}{stylesheet}", headers={"Accept-Encoding": "gzip"})

    assert response.status_code == 200
    cache_control = response.headers["Cache-Control"]
    max_age = int(re.search(r"max-age=(\d+)", cache_control).group(1))
    assert max_age >= 31536000 and "immutable" in cache_control
    assert response.headers["Content-Encoding"] == "gzip"


def test_unhashed_name_is_not_cached_for_long(db, production_static):
    response = httpx.head(f"{production_static}/static/comptoir/comptoir.css")
    assert response.status_code == 200
    assert "immutable" not in response.headers["Cache-Control"]
