"""API tokens do not outlive what protected their creation (issue 22, finding 10).

A password reset revokes the account's tokens, and says so; a firm requiring the second factor revokes
the tokens of its staff who have none yet; a token is revoked by the API too (`DELETE /me/tokens/{id}`).
"""

import html
import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from comptoir.accounts.models import ApiToken
from comptoir.accounts.services import api_token_create
from tests.accounts.test_two_factor import _enrol
from tests.api.conftest import ApiClient
from tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def text(response) -> str:
    """The page as a reader sees it (entities decoded, typographic apostrophes and spaces made plain)."""
    return re.sub(r"[\u00a0\u202f]", " ", html.unescape(response.content.decode())).replace("\u2019", "'")


def works(raw: str) -> bool:
    return ApiClient(token=raw).get("/companies").status_code == 200


def test_a_password_reset_revokes_the_api_tokens_and_says_so(firm_admin):
    _, first = api_token_create(user=firm_admin, name="Export compta")
    _, second = api_token_create(user=firm_admin, name="Robot")
    assert works(first) and works(second)

    visitor = Client()
    link = reverse("accounts:password_reset_confirm", args=[urlsafe_base64_encode(force_bytes(firm_admin.pk)),
                                                             default_token_generator.make_token(firm_admin)])
    form_page = visitor.get(link, follow=True)
    done = visitor.post(form_page.redirect_chain[-1][0],
                        {"new_password1": "Un-nouveau-secret-42", "new_password2": "Un-nouveau-secret-42"},
                        follow=True)
    assert "Votre nouveau mot de passe est enregistré" in text(done)
    assert "Vos 2 jetons d'API ont été révoqués" in text(done)
    assert not works(first) and not works(second)
    assert not ApiToken.objects.filter(user=firm_admin).exists()


def test_requiring_two_factor_revokes_the_tokens_of_staff_without_it(firm_admin, firm_member, client_user):
    admin_browser = login(firm_admin)
    _enrol(admin_browser, firm_admin)
    _, admins = api_token_create(user=firm_admin, name="admin")
    _, members = api_token_create(user=firm_member, name="collaborateur")
    _, clients = api_token_create(user=client_user, name="client")

    response = admin_browser.post(reverse("firms:firm_two_factor"), {"required": "1"}, follow=True)
    assert "jetons d'API des collaborateurs qui ne l'ont pas encore activée sont révoqués" in text(response)
    assert not works(members), "a collaborator without a second factor loses the token"
    assert works(admins), "the admin has a second factor: the token stays"
    assert works(clients), "client users are never forced"


def test_a_token_is_revoked_through_the_api_and_only_by_its_owner(firm_admin, firm_member):
    token, raw = api_token_create(user=firm_admin, name="Robot")
    other, other_raw = api_token_create(user=firm_member, name="Autre")
    api = ApiClient(token=raw)
    assert [row["name"] for row in api.get("/me/tokens").json()] == ["Robot"]
    assert api.send("DELETE", f"/me/tokens/{other.pk}").status_code == 404, "someone else's token"
    assert works(other_raw)
    assert api.send("DELETE", f"/me/tokens/{token.pk}").status_code == 204
    assert not works(raw)
