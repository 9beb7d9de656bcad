"""The demo shows a failure; `serve` explains a taken port in one French line before starting anything."""

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from comptoir.partners.models import Delivery, DeliveryStatus
from tests.factories import deposit_pdf, folder_named
from tests.loopback import free_port
from tests.sites import embedded_env

REPO = Path(__file__).resolve().parents[2]


def test_demo_failing_company_is_refused_550_by_the_local_sink(db, settings):
    from aiosmtpd.controller import Controller

    from comptoir.delivery.sink import REFUSED_ADDRESS, SinkHandler, outbox_dir
    from comptoir.firms.models import Company
    from comptoir.web.demo import DEMO_FAILING_COMPANY, demo_seed
    from tests.delivery.conftest import drain
    from tests.smtp_server import mailers_point_at

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    port = free_port()
    controller = Controller(SinkHandler(outbox_dir()), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        mailers_point_at(settings, "127.0.0.1", port)
        demo_seed()
        company = Company.objects.get(name=DEMO_FAILING_COMPANY)
        document = deposit_pdf(folder_named(company, "Ventes"), name="facture-traiteur.pdf")
        drain()
    finally:
        controller.stop()
    delivery = Delivery.objects.get(document=document)
    assert delivery.destination.address == REFUSED_ADDRESS
    assert delivery.status == DeliveryStatus.FAILED
    assert "550" in delivery.last_error


def _serve(tmp_path, *args, **env):
    # Every port on a free one but the one taken on purpose (the fake Upflow's 8040 too).
    environment = embedded_env(tmp_path, **env)
    return subprocess.run([sys.executable, "-m", "comptoir", "serve", "--no-demo", *args], cwd=REPO,  # noqa: S603
                          env=environment, capture_output=True, text=True, timeout=120)


@pytest.fixture
def taken_port():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


@pytest.mark.embedded_only
def test_serve_names_the_taken_mail_in_port_and_its_variable(tmp_path, taken_port):
    result = _serve(tmp_path, "--port", str(free_port()), COMPTOIR_MAILIN_PORT=str(taken_port),
                    EMAIL_URL=f"smtp://127.0.0.1:{free_port()}", COMPTOIR_SMTP_SINK="true")
    assert result.returncode == 1
    # One line says it all (log lines of the start-up, e.g. axes' INFO, aside).
    [line] = [line for line in result.stderr.strip().splitlines() if " INFO " not in line]
    assert f"Le port {taken_port} (les boîtes de collecte (mail-in)) est déjà utilisé" in line
    assert "COMPTOIR_MAILIN_PORT" in line
    assert "Traceback" not in result.stderr
    # Before anything else started: nothing was migrated, no child process was launched.
    assert "prêt" not in result.stdout and "s'est arrêté" not in result.stderr


@pytest.mark.embedded_only
def test_serve_names_the_taken_web_port_and_the_flag(tmp_path, taken_port):
    result = _serve(tmp_path, "--port", str(taken_port), COMPTOIR_MAILIN_PORT=str(free_port()),
                    EMAIL_URL=f"smtp://127.0.0.1:{free_port()}", COMPTOIR_SMTP_SINK="true")
    assert result.returncode == 1
    assert f"Le port {taken_port} (le serveur web)" in result.stderr and "--port" in result.stderr


@pytest.mark.embedded_only
def test_serve_names_the_taken_local_sink_port_and_email_url(tmp_path, taken_port):
    result = _serve(tmp_path, "--port", str(free_port()), COMPTOIR_MAILIN_PORT=str(free_port()),
                    EMAIL_URL=f"smtp://127.0.0.1:{taken_port}", COMPTOIR_SMTP_SINK="true")
    assert result.returncode == 1
    assert f"Le port {taken_port} (la boîte d'envoi locale (SMTP))" in result.stderr and "EMAIL_URL" in result.stderr


def test_serve_help_names_every_port_and_the_variable_that_moves_it():
    result = subprocess.run([sys.executable, "-m", "comptoir", "serve", "--help"], cwd=REPO, capture_output=True,
                            text=True, timeout=120, check=True)
    for needle in ("--port", "COMPTOIR_MAILIN_PORT", "EMAIL_URL", "COMPTOIR_SMTP_SINK", "COMPTOIR_FAKE_UPFLOW_PORT",
                   "fake PA"):
        assert needle in result.stdout, needle


def test_a_restart_prints_the_demo_logins_again_while_the_demo_is_there(firm, settings):
    from io import StringIO

    from comptoir.ops.management.commands.serve import Command
    from tests.factories import UserFactory

    UserFactory(email="admin@demo.example")
    (settings.DATA_DIR / "demo-logins.txt").write_text("admin@demo.example pw-admin\nclient@demo.example pw-client\n")
    out = StringIO()
    command = Command(stdout=out)
    command._seed_demo(no_demo=False)  # a firm exists: no new demo, but the logins again
    assert "admin@demo.example / pw-admin" in out.getvalue() and "client@demo.example / pw-client" in out.getvalue()


def test_the_supervisor_says_ready_only_once_the_url_answers():
    import http.server
    import threading

    from comptoir.ops.supervisor import _answers
    closed = free_port()
    assert not _answers(f"http://127.0.0.1:{closed}/")
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert _answers(f"http://127.0.0.1:{server.server_port}/nowhere")  # a 404 is an answer
    finally:
        server.shutdown()
