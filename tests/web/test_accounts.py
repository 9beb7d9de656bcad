import re

import pytest
from django.test import Client
from django.urls import reverse

from comptoir.accounts.models import ApiToken, User
from comptoir.accounts.selectors import user_get_by_api_token
from comptoir.firms.models import Membership, Role
from tests.conftest import login
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_with_good_password_opens_the_company_list(firm_admin, company):
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": "admin@alpha.fr", "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    assert "Boulangerie Alpha" in response.text


def test_login_with_wrong_password_says_so_in_french(firm_admin):
    response = Client().post(reverse("accounts:login"), {"username": "admin@alpha.fr", "password": "nope"})
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect." in response.text


def test_repeated_failures_show_the_lockout_page(firm_admin, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(3):
        client.post(reverse("accounts:login"), {"username": "admin@alpha.fr", "password": "nope"})
    response = client.post(reverse("accounts:login"), {"username": "admin@alpha.fr", "password": PASSWORD})
    assert response.status_code in {403, 429}
    assert "Trop de tentatives" in response.text
    assert "_auth_user_id" not in client.session


def test_anonymous_visitor_is_sent_to_login(db):
    response = Client().get(reverse("web:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_logout_is_a_post_and_ends_the_session(admin_client):
    assert admin_client.get(reverse("web:home")).status_code == 200
    response = admin_client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert admin_client.get(reverse("web:home")).status_code == 302


def test_password_change_keeps_the_user_signed_in_with_the_new_password(admin_client, firm_admin):
    response = admin_client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": "un-Nouveau-mot-2-passe", "new_password2": "un-Nouveau-mot-2-passe",
    })
    assert response.status_code == 302
    assert admin_client.get(reverse("web:home")).status_code == 200
    firm_admin.refresh_from_db()
    assert firm_admin.check_password("un-Nouveau-mot-2-passe")


def test_password_change_refuses_a_weak_password(admin_client, firm_admin):
    response = admin_client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": "123", "new_password2": "123",
    })
    assert response.status_code == 200
    firm_admin.refresh_from_db()
    assert firm_admin.check_password(PASSWORD)


def test_api_token_is_shown_once_then_works_then_can_be_revoked(admin_client, firm_admin):
    response = admin_client.post(reverse("accounts:settings"), {"name": "Scanner"})
    raw = re.search(r'id="new-token">(cpt_[^<]+)<', response.text).group(1)
    assert user_get_by_api_token(raw=raw) == firm_admin
    page = admin_client.get(reverse("accounts:settings")).text
    assert "Scanner" in page and raw not in page
    token = ApiToken.objects.get(user=firm_admin)
    admin_client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert user_get_by_api_token(raw=raw) is None


def test_someone_else_cannot_revoke_my_token(admin_client, other_firm_admin):
    from comptoir.accounts.services import api_token_create

    token, _raw = api_token_create(user=other_firm_admin)
    assert admin_client.post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_language_switch_to_english(admin_client):
    response = admin_client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)
    assert "Companies" in response.text


def test_invitation_round_trip_through_real_smtp(admin_client, company, smtp_server,
                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("firms:invite", args=[company.pk]),
                                     {"email": "Nouveau@Client.fr", "role": Role.CLIENT_MEMBER}, follow=True)
    assert "Invitation envoyée à nouveau@client.fr" in response.text
    # The mail outbox holds it until a worker sends it.
    from comptoir.jobs.mail_outbox import mails_send_due

    assert mails_send_due(worker_id="test:1:0") == 1
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "nouveau@client.fr"
    assert "Cabinet Alpha" in message["Subject"]
    link = re.search(r"https?://\S+/comptes/invitation/(\S+)/", message.get_content())
    accept_url = reverse("firms:invitation_accept", args=[link.group(1)])

    visitor = Client()
    weak = visitor.post(accept_url, {"password1": "azerty", "password2": "azerty"})
    assert weak.status_code == 200 and not User.objects.filter(email="nouveau@client.fr").exists()
    response = visitor.post(accept_url, {"full_name": "Nora Client", "password1": "Solide-Mot-de-passe-9",
                                         "password2": "Solide-Mot-de-passe-9"}, follow=True)
    assert response.status_code == 200
    assert "Boulangerie Alpha" in response.text
    membership = Membership.objects.get(user__email="nouveau@client.fr")
    assert (membership.role, membership.company_id) == (Role.CLIENT_MEMBER, company.pk)
    # The link works once.
    assert Client().get(accept_url).status_code == 404


def test_client_admin_cannot_invite_into_another_company(company, other_client_user):
    response = login(other_client_user).post(reverse("firms:invite", args=[company.pk]),
                                             {"email": "x@y.fr", "role": Role.CLIENT_MEMBER})
    assert response.status_code == 404


def test_client_member_cannot_invite(company, other_client_user):
    other_company = other_client_user.membership.company
    response = login(other_client_user).post(reverse("firms:invite", args=[other_company.pk]),
                                             {"email": "x@y.fr", "role": Role.CLIENT_MEMBER})
    assert response.status_code == 403


def test_post_without_csrf_token_is_refused(firm_admin, company):
    client = Client(enforce_csrf_checks=True)
    client.force_login(firm_admin)
    assert client.post(reverse("accounts:settings"), {"name": "x"}).status_code == 403
    assert client.post(reverse("web:company_new"), {"name": "X", "siren": "732829320"}).status_code == 403
    assert client.post(reverse("accounts:logout")).status_code == 403
