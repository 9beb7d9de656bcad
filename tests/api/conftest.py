import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from comptoir.accounts.services import api_token_create


class ApiClient:
    """A test client that speaks to /api/v1/ with a bearer token, as an integration would."""

    def __init__(self, user=None, *, token: str | None = None):
        self.client = Client()
        if token is None and user is not None:
            _, token = api_token_create(user=user, name="tests")
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str):
        return self.client.get(f"/api/v1{path}", headers=self.headers)

    def post(self, path: str, json: dict | None = None):
        return self.client.post(f"/api/v1{path}", data=json or {}, content_type="application/json",
                                headers=self.headers)

    def send(self, method: str, path: str, json: dict | None = None):
        """PATCH, PUT, DELETE (or any method) with a JSON body."""
        return getattr(self.client, method.lower())(f"/api/v1{path}", data=json or {},
                                                     content_type="application/json", headers=self.headers)

    def upload(self, path: str, name: str, content: bytes):
        return self.client.post(f"/api/v1{path}", data={"file": SimpleUploadedFile(name, content)},
                                headers=self.headers)


@pytest.fixture
def api_as():
    return ApiClient


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Argon2's deliberate slowness buys nothing in API tests, which authenticate by token.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
