"""Persona fixtures: a firm admin, a firm member, a client user, and people of another firm."""

import uuid

import pytest
from django.test import Client

from tests.factories import CompanyFactory, FirmFactory, UserFactory, membership_for

# Which pass of bin/test runs which test: tests/profiles.py; Comptoir in a subprocess on a database
# migrated once per session: tests/sites.py.
pytest_plugins = ["tests.profiles", "tests.sites"]


@pytest.fixture(autouse=True)
def _data_dir(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "files"
    if settings.S3_BUCKET:
        # Scale profile (bin/test's second pass): documents stay in the S3 endpoint, each test
        # under its own key prefix so tests never see each other's objects.
        default = {**settings.STORAGES["default"]}
        default["OPTIONS"] = {**default["OPTIONS"], "location": f"tests/{uuid.uuid4().hex}"}
    else:
        default = {"BACKEND": "django.core.files.storage.FileSystemStorage",
                   "OPTIONS": {"location": tmp_path / "files"}}
    settings.STORAGES = {**settings.STORAGES, "default": default}
    # Pages render without a collected manifest; tests/web/test_static_files.py proves the production storage.
    settings.STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir(exist_ok=True)
    settings.AXES_ENABLED = False


@pytest.fixture
def firm(db):
    return FirmFactory(name="Cabinet Alpha")


@pytest.fixture
def company(firm):
    return CompanyFactory(firm=firm, name="Boulangerie Alpha")


@pytest.fixture
def firm_admin(firm):
    return membership_for(UserFactory(email="admin@alpha.fr"), firm=firm, role="firm_admin").user


@pytest.fixture
def firm_member(firm):
    return membership_for(UserFactory(email="collab@alpha.fr"), firm=firm, role="firm_member").user


@pytest.fixture
def client_user(company):
    return membership_for(UserFactory(email="client@boulangerie.fr"), firm=company.firm, role="client_admin",
                          company=company).user


@pytest.fixture
def other_firm(db):
    return FirmFactory(name="Cabinet Beta")


@pytest.fixture
def other_company(other_firm):
    return CompanyFactory(firm=other_firm, name="Garage Beta")


@pytest.fixture
def other_firm_admin(other_firm):
    return membership_for(UserFactory(email="admin@beta.fr"), firm=other_firm, role="firm_admin").user


@pytest.fixture
def other_client_user(firm):
    """A client of the same firm, but of another company."""
    other = CompanyFactory(firm=firm, name="Fleuriste Gamma")
    return membership_for(UserFactory(email="client@fleuriste.fr"), firm=firm, role="client_member",
                          company=other).user


def stored_keys(path: str = "") -> list[str]:
    """Every object in the default storage, local folder or S3 bucket alike: for "nothing left behind" checks."""
    from django.core.files.storage import default_storage

    try:
        folders, files = default_storage.listdir(path)
    except FileNotFoundError:
        return []
    keys = [f"{path}/{name}".lstrip("/") for name in files]
    for folder in folders:
        keys += stored_keys(f"{path}/{folder}".lstrip("/"))
    return sorted(keys)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(firm_admin):
    return login(firm_admin)


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on a loopback ephemeral port; Django's outgoing mail is pointed at it.

    Yields a `tests.smtp_server.SmtpServer`: `.port`, `.messages` (parsed EmailMessage),
    `.wait_for(n, timeout=…)`, `.reply_with("550 5.1.1 mailbox unavailable", times=1)`.
    """
    from tests.smtp_server import SmtpServer, mailers_point_at

    server = SmtpServer().start()
    mailers_point_at(settings, server.host, server.port)
    try:
        yield server
    finally:
        server.stop()
