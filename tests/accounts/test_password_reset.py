"""Mot de passe oublié: a link by mail in the firm's name, the same answer for any address, throttled."""

import re

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _ask(client: Client, email: str, ip: str = "198.51.100.7"):
    return client.post(reverse("accounts:password_reset"), {"email": email}, REMOTE_ADDR=ip, follow=True)


def test_reset_link_by_mail_sets_a_new_password(firm_admin, smtp_server, settings):
    response = _ask(Client(), "ADMIN@alpha.fr")
    assert "Si un compte existe pour cette adresse" in response.text
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "admin@alpha.fr"
    assert message["From"].addresses[0].display_name == "Cabinet Alpha"
    assert "Cabinet Alpha" in message["Subject"]
    link = re.search(r"https?://\S+(/comptes/reinitialiser/\S+/\S+/)", message.get_content()).group(1)

    visitor = Client()
    form_page = visitor.get(link, follow=True)
    assert "Nouveau mot de passe" in form_page.text
    done = visitor.post(form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
                        {"new_password1": "Un-nouveau-secret-42", "new_password2": "Un-nouveau-secret-42"},
                        follow=True)
    assert "Votre nouveau mot de passe est enregistré" in done.text
    assert Client().login(username="admin@alpha.fr", password="Un-nouveau-secret-42")
    # The link served once.
    assert "plus valable" in Client().get(link, follow=True).text


def test_same_answer_and_no_mail_for_an_unknown_address(db, smtp_server):
    response = _ask(Client(), "personne@nulle-part.fr")
    assert response.status_code == 200
    assert "Si un compte existe pour cette adresse" in response.text
    assert smtp_server.messages == []


def test_reset_requests_are_throttled_per_address_and_per_account(firm_admin, smtp_server, settings):
    settings.COMPTOIR_PASSWORD_RESET_EMAIL_LIMIT = 2
    settings.COMPTOIR_PASSWORD_RESET_IP_LIMIT = 4
    for _ in range(3):
        _ask(Client(), firm_admin.email)
    smtp_server.wait_for(2)
    assert len(smtp_server.messages) == 2  # the third request got the same answer, no third mail
    refused = _ask(Client(), "autre@alpha.fr")
    assert refused.status_code == 200
    refused = _ask(Client(), "autre@alpha.fr")
    assert "Trop de demandes" in refused.text
    # Another address is not concerned by someone else's flood.
    assert "Trop de demandes" not in _ask(Client(), "autre@alpha.fr", ip="203.0.113.9").text
