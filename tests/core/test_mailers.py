"""Outgoing mail is configured in Django 6.1's form (MAILERS), from EMAIL_URL, without deprecation warnings."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.core import mail

from comptoir.core.mailers import smtp_relay
from tests.smtp_server import SmtpServer, mailers_point_at

ROOT = Path(__file__).resolve().parents[2]
SHOW = "import django, json; django.setup(); from django.conf import settings; print(json.dumps(settings.MAILERS))"


def _mailers_for(tmp_path, **env) -> dict:
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("EMAIL_", "COMPTOIR_"))}
    clean.update(COMPTOIR_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="comptoir.settings", **env)
    # Every deprecation warning is an error here: loading the settings and Django must raise none.
    done = subprocess.run([sys.executable, "-W", "error::DeprecationWarning", "-W", "error::PendingDeprecationWarning",
                           "-c", SHOW], env=clean, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_email_url_becomes_the_default_and_delivery_mailers(tmp_path):
    mailers = _mailers_for(tmp_path, EMAIL_URL="smtp+tls://relay%40cabinet.fr:s3cret@smtp.cabinet.fr:587",
                           EMAIL_TIMEOUT="12")
    expected = {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "smtp.cabinet.fr", "port": 587, "username": "relay@cabinet.fr",
                            "password": "s3cret", "use_tls": True, "use_ssl": False, "timeout": 12}}
    assert mailers == {"default": expected, "delivery": expected}


def test_partners_may_go_through_their_own_relay(tmp_path):
    mailers = _mailers_for(tmp_path, EMAIL_URL="consolemail://",
                           COMPTOIR_DELIVERY_EMAIL_URL="smtp://partners-relay.internal:2525")
    assert mailers["default"] == {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    assert mailers["delivery"]["OPTIONS"]["host"] == "partners-relay.internal"
    assert mailers["delivery"]["OPTIONS"]["port"] == 2525


def test_embedded_default_points_at_the_local_sink(tmp_path):
    mailers = _mailers_for(tmp_path)
    assert mailers["delivery"]["OPTIONS"] | {"timeout": None} == {
        "host": "127.0.0.1", "port": 8025, "username": "", "password": "", "use_tls": False, "use_ssl": False,
        "timeout": None}


def test_portal_mail_goes_through_the_default_mailer_to_a_real_server(settings):
    server = SmtpServer().start()
    try:
        mailers_point_at(settings, server.host, server.port)
        assert smtp_relay().port == server.port
        mail.EmailMessage("Invitation", "Bonjour", "envoi@comptoir.localhost", ["client@boulangerie.fr"]).send()
        [message] = server.wait_for(1)
    finally:
        server.stop()
    assert message["Subject"] == "Invitation"
    assert message["To"] == "client@boulangerie.fr"
