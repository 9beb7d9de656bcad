"""ACD iSuite by FTP, end to end against a real FTP server on loopback (pyftpdlib), with TLS and without."""

import pytest

from comptoir.partners.models import Delivery, DeliveryStatus, Installation
from tests.delivery.conftest import drain, later
from tests.factories import CompanyFactory, FirmFactory, deposit_pdf, folder_named
from tests.ftp_server import PASSWORD, USER, FtpServer, ca_make

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 64 + b"\n%%EOF\n"


@pytest.fixture
def tls_server(tmp_path):
    ca_pem, cert, key = ca_make(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    with FtpServer(home, tls=(cert, key)) as server:
        server.ca_pem = ca_pem
        yield server


@pytest.fixture
def plain_server(tmp_path):
    home = tmp_path / "plain"
    home.mkdir()
    with FtpServer(home) as server:
        yield server


def _settings(server, **over) -> dict:
    return {"host": "127.0.0.1", "port": str(server.port), "username": USER, "password": PASSWORD,
            "tls": "required", "ca_pem": getattr(server, "ca_pem", ""), **over}


def _connect(client, company, server, **over):
    assert client.post("/apps/isuite/install").status_code == 201
    response = client.send("PUT", "/apps/isuite/settings", _settings(server, **over))
    assert response.status_code == 200, response.content
    response = client.send("PUT", f"/apps/isuite/connections/{company.pk}", {"method": "ftp", "dossier_code": "BOUL01"})
    assert response.status_code == 200, response.content
    achats = folder_named(company, "Achats")
    put = client.send("PUT", f"/folders/{achats.pk}/switches/isuite", {"state": "on", "destination": "achats"})
    assert put.status_code == 200, put.content
    return achats


def test_settings_are_checked_with_the_server_and_never_return_the_password(tls_server, firm, company, firm_admin,
                                                                             api_as):
    client = api_as(firm_admin)
    assert client.get("/apps/isuite/settings").status_code == 404, "not installed: a 404"
    client.post("/apps/isuite/install")
    wrong = client.send("PUT", "/apps/isuite/settings", _settings(tls_server, password="faux"))
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_credentials"
    assert wrong.json()["detail"].startswith("530"), "the server's own reply"
    assert Installation.objects.get().settings == {}
    untrusted = client.send("PUT", "/apps/isuite/settings", _settings(tls_server, ca_pem=""))
    assert untrusted.status_code == 400 and "Certificat" in untrusted.json()["detail"], untrusted.content
    saved = client.send("PUT", "/apps/isuite/settings", _settings(tls_server))
    assert saved.status_code == 200 and PASSWORD not in saved.content.decode()
    read = client.get("/apps/isuite/settings").json()["settings"]
    assert read["host"] == "127.0.0.1" and read["tls"] == "required" and "password" not in read
    assert read["password_hint"] == PASSWORD[-4:].join(["…", ""])
    other_firm_admin = CompanyFactory(firm=FirmFactory(), name="Ailleurs")  # another tenant sees nothing
    assert other_firm_admin.firm_id != firm.pk


def test_with_tls_the_bytes_arrive_once_under_the_dossier_code(tls_server, firm, company, firm_admin, api_as):
    achats = _connect(api_as(firm_admin), company, tls_server)
    document = deposit_pdf(achats, name="facture-achat.pdf", content=PDF, actor=firm_admin)
    assert drain() == 1 and drain() == 0
    assert Delivery.objects.get(document=document).status == DeliveryStatus.SENT
    assert tls_server.files() == {"BOUL01/achats/facture-achat.pdf": PDF}


def test_plain_ftp_only_when_asked_and_a_4xx_then_success_is_one_file(plain_server, firm, company, firm_admin,
                                                                     api_as):
    client = api_as(firm_admin)
    client.post("/apps/isuite/install")
    refused = client.send("PUT", "/apps/isuite/settings", _settings(plain_server))
    assert refused.status_code == 400 and "TLS" in refused.json()["detail"], "required TLS refuses a plain server"
    Installation.objects.all().delete()
    achats = _connect(client, company, plain_server, tls="off")
    plain_server.fail_stor("450 Fichier occupé, réessayez.")
    deposit_pdf(achats, name="ticket.pdf", content=PDF, actor=firm_admin)
    assert drain() == 1
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.RETRYING and "450" in delivery.last_error
    assert drain(now=later(hours=1)) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert plain_server.files() == {"BOUL01/achats/ticket.pdf": PDF}, "one file, no temporary left"


def test_a_file_already_there_with_the_same_bytes_is_not_uploaded_again(plain_server, firm, company, firm_admin,
                                                                       api_as):
    achats = _connect(api_as(firm_admin), company, plain_server, tls="off")
    (plain_server.home / "BOUL01" / "achats").mkdir(parents=True)
    (plain_server.home / "BOUL01" / "achats" / "deja.pdf").write_bytes(PDF)
    plain_server.fail_stor("550 should not be called", times=1)  # any STOR would fail the delivery
    deposit_pdf(achats, name="deja.pdf", content=PDF, actor=firm_admin)
    drain()
    assert Delivery.objects.get().status == DeliveryStatus.SENT
    assert plain_server.files() == {"BOUL01/achats/deja.pdf": PDF}


def test_the_ui_saves_the_ftp_access_and_warns_while_unencrypted(plain_server, firm, company, firm_admin,
                                                                admin_client):
    from django.urls import reverse

    admin_client.post(reverse("partners:install", args=["isuite"]))
    url = reverse("partners:app_settings", args=["isuite"])
    form = {f"setting-{k}": v for k, v in _settings(plain_server, tls="off").items()}
    wrong = admin_client.post(url, {**form, "setting-password": "faux"})
    assert wrong.status_code == 400 and "530" in wrong.content.decode(), "the server's reply, on the page"
    assert admin_client.post(url, form).status_code == 302
    page = admin_client.get(reverse("partners:connections", args=["isuite"])).content.decode()
    assert "Serveur sans chiffrement" in page and PASSWORD not in page and "Code dossier" in page
    # An empty password field keeps the stored one (checked again with the server, which accepts it).
    assert admin_client.post(url, {**form, "setting-password": ""}).status_code == 302
    assert Installation.objects.get().settings["password_hint"] == "…" + PASSWORD[-4:]


@pytest.mark.embedded_only
def test_killing_the_sender_mid_upload_leaves_no_final_file_and_the_retry_makes_one(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    from comptoir.partners.transports.ftp import FtpAccess, ftp_upload

    home = tmp_path / "slow"
    home.mkdir()
    content = bytes(range(256)) * 4096  # 1 MB, at 64 KB/s
    with FtpServer(home, read_limit=64 * 1024) as server:
        access = FtpAccess("127.0.0.1", server.port, USER, PASSWORD, tls="off")
        script = ("import sys; from comptoir.partners.transports.ftp import FtpAccess, ftp_upload; "
                  f"ftp_upload(FtpAccess('127.0.0.1', {server.port}, {USER!r}, {PASSWORD!r}, tls='off'), "
                  "directory=['BOUL01', 'achats'], name='gros.pdf', content=bytes(range(256)) * 4096, "
                  "temp_name='.comptoir-7.part')")
        sender = subprocess.Popen([sys.executable, "-c", script])
        temp = home / "BOUL01" / "achats" / ".comptoir-7.part"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (temp.exists() and temp.stat().st_size > 0):
            time.sleep(0.05)
        sender.send_signal(signal.SIGKILL)
        sender.wait(timeout=30)
        assert temp.exists() and 0 < temp.stat().st_size < len(content), "killed in the middle"
        assert not (home / "BOUL01" / "achats" / "gros.pdf").exists(), "no partial final file"
        # The retry (same delivery: same temporary name) writes it whole, then renames: one copy.
        server.server.handler.dtp_handler.read_limit = 0
        ftp_upload(access, directory=["BOUL01", "achats"], name="gros.pdf", content=content,
                   temp_name=".comptoir-7.part")
        assert server.files() == {"BOUL01/achats/gros.pdf": content}
        # And once more (a settlement lost after the rename): found, not uploaded again.
        server.fail_stor("550 no second upload")
        ftp_upload(access, directory=["BOUL01", "achats"], name="gros.pdf", content=content,
                   temp_name=".comptoir-7.part")
        assert server.files() == {"BOUL01/achats/gros.pdf": content}
