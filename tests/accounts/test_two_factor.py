"""TOTP two-factor authentication (django-otp): enrol, log in with the code, recovery codes, the firm's
requirement for its staff, API tokens unaffected."""

import base64
import re
import time

import pyotp
import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from comptoir.accounts.services import api_token_create
from comptoir.firms.models import Firm
from tests.conftest import login

pytestmark = pytest.mark.django_db
PASSWORD = "Un-mot-de-passe-solide-7"


def _next_code(user) -> str:
    """The app's code for the next 30-second step: the current one was spent on enrolment, and a
    TOTP device never takes the same step twice."""
    device = TOTPDevice.objects.get(user=user)
    return pyotp.TOTP(base64.b32encode(device.bin_key).decode()).at(time.time() + 30)


def _enrol(client: Client, user) -> list[str]:
    page = client.get(reverse("accounts:two_factor_setup"))
    assert page.status_code == 200 and 'src="data:image/svg+xml;base64,' in page.text
    secret = re.search(r"data-totp-secret>([A-Z2-7]+)<", page.text).group(1)
    done = client.post(reverse("accounts:two_factor_setup"), {"code": pyotp.TOTP(secret).now()})
    assert "Codes de secours" in done.text
    return re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.text)


def _password_login(user) -> Client:
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def member(firm_member):
    firm_member.set_password(PASSWORD)
    firm_member.save()
    return firm_member


def test_after_enrolment_login_needs_the_code(member, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # a wrong code slows the next try down; not what this test is about
    codes = _enrol(_password_login(member), member)
    assert len(codes) == 10
    client = _password_login(member)
    blocked = client.get(reverse("web:home"))
    assert blocked.status_code == 302 and blocked.url.startswith(reverse("accounts:two_factor_verify"))
    wrong = client.post(reverse("accounts:two_factor_verify"), {"code": "000000"})
    assert "Code incorrect" in wrong.text
    client.post(reverse("accounts:two_factor_verify"), {"code": _next_code(member), "next": "/"})
    assert client.get(reverse("web:home")).status_code == 200


def test_a_recovery_code_works_once(member):
    codes = _enrol(_password_login(member), member)
    first = _password_login(member)
    first.post(reverse("accounts:two_factor_verify"), {"code": codes[0]})
    assert first.get(reverse("web:home")).status_code == 200
    second = _password_login(member)
    again = second.post(reverse("accounts:two_factor_verify"), {"code": codes[0]})
    assert "Code incorrect" in again.text


def test_remember_this_device_skips_the_code_on_that_browser_only(member):
    _enrol(_password_login(member), member)
    browser = _password_login(member)
    browser.post(reverse("accounts:two_factor_verify"), {"code": _next_code(member), "remember": "on"})
    browser.post(reverse("accounts:logout"))
    browser.post(reverse("accounts:login"), {"username": member.email, "password": PASSWORD})
    assert browser.get(reverse("web:home")).status_code == 200
    assert _password_login(member).get(reverse("web:home")).status_code == 302


def test_firm_admin_requires_two_factor_and_staff_without_it_is_sent_to_enrolment(firm_admin, member, client_user):
    response = login(firm_admin).post(reverse("firms:firm_two_factor"), {"required": "1"})
    assert response.status_code == 302 and Firm.objects.get().require_two_factor
    staff = login(member)
    sent = staff.get(reverse("web:home"))
    assert sent.status_code == 302 and sent.url == reverse("accounts:two_factor_setup")
    # Client users are not concerned (they may enable it), and a member cannot lift the requirement.
    landed = login(client_user).get(reverse("web:home"), follow=True)
    assert landed.status_code == 200
    assert reverse("accounts:two_factor_setup") not in [url for url, _status in landed.redirect_chain]
    assert login(member).post(reverse("firms:firm_two_factor"), {"required": "0"}).status_code in {302, 403}
    assert Firm.objects.get().require_two_factor


def test_member_cannot_switch_the_firm_requirement(firm_member):
    assert login(firm_member).post(reverse("firms:firm_two_factor"), {"required": "1"}).status_code == 403
    assert not Firm.objects.get().require_two_factor


def test_client_user_may_enable_it(client_user):
    client_user.set_password(PASSWORD)
    client_user.save()
    _enrol(_password_login(client_user), client_user)
    assert _password_login(client_user).get(reverse("web:home")).status_code == 302


def test_api_tokens_are_not_asked_for_a_code(member):
    _enrol(_password_login(member), member)
    _, raw = api_token_create(user=member)
    response = Client().get("/api/v1/companies", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
