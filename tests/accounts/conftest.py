import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Argon2's deliberate slowness buys nothing here; the hashers' choice is not what these tests prove.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
