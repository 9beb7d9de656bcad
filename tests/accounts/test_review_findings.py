"""The holes a review found by attacking a local instance, one test each (each failed before the fix)."""

import csv
import io
from email.utils import getaddresses

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from comptoir.firms.models import Invitation, Role
from comptoir.ged.services import document_copy
from comptoir.jobs.mail_outbox import mails_send_due
from tests.api.conftest import ApiClient
from tests.conftest import login
from tests.factories import CompanyFactory, FirmFactory, UserFactory, deposit_pdf, folder_named, membership_for
from tests.scale.rows import delivery_make, destination_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- invitations for ordinary firm names --------------------------------------------------------

@pytest.mark.parametrize("firm_name", ["Martin, Durand & Associés", "Cabinet J. Martin", "Expertise: Conseil"])
def test_invitation_mail_leaves_for_firm_names_with_punctuation(firm_name, smtp_server, settings,
                                                                 django_capture_on_commit_callbacks):
    firm = FirmFactory(name=firm_name)
    company = CompanyFactory(firm=firm, name="Client SARL")
    admin = membership_for(UserFactory(email="admin@martin.fr"), firm=firm, role=Role.FIRM_ADMIN).user
    with django_capture_on_commit_callbacks(execute=True):
        response = login(admin).post(reverse("firms:invite", args=[company.pk]),
                                     {"email": "client@sarl.fr", "role": Role.CLIENT_MEMBER})
    assert response.status_code == 302
    mails_send_due(worker_id="test:1:0")  # the worker sends the queued invitation
    [message] = smtp_server.wait_for(1)
    [(display_name, address)] = getaddresses([str(message["From"])])
    assert (display_name, address) == (firm_name, settings.SENDER_ADDRESS)


def test_invitation_mail_refused_by_the_backend_does_not_break_the_page(admin_client, company, settings,
                                                                         django_capture_on_commit_callbacks):
    # A sender the backend cannot encode at all: the invitation is kept (it can be sent again), the page answers.
    settings.SENDER_ADDRESS = "envoi@exa\nmple.fr"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("firms:invite", args=[company.pk]),
                                     {"email": "client@sarl.fr", "role": Role.CLIENT_MEMBER})
    assert response.status_code == 302
    assert Invitation.objects.filter(email="client@sarl.fr").exists()


def test_invitation_tokens_are_stored_hashed(admin_client, company, smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("firms:invite", args=[company.pk]),
                          {"email": "client@sarl.fr", "role": Role.CLIENT_MEMBER})
    mails_send_due(worker_id="test:1:0")
    [message] = smtp_server.wait_for(1)
    raw = message.get_content().split("/comptes/invitation/")[1].split("/")[0]
    stored = Invitation.objects.values_list("token_hash", flat=True).get()
    assert raw not in stored and len(stored) == 64
    assert Client().get(reverse("firms:invitation_accept", args=[raw])).status_code == 200
    assert Client().get(reverse("firms:invitation_accept", args=[stored])).status_code == 404


# --- deliveries of firm-only copies -------------------------------------------------------------

def test_client_never_sees_deliveries_of_a_copy_in_a_firm_only_folder(company, firm_admin, client_user):
    ventes = folder_named(company, "Ventes")
    note = deposit_pdf(ventes, actor=client_user, name="note-facile.pdf")
    copy = document_copy(document=note, folder=folder_named(company, "Cabinet – Révision"), actor=firm_admin)
    internal = destination_for(company, app_slug="upflow", address="revision-interne@cabinet.example")
    delivery_make(copy, internal, status="sent")

    as_client = ApiClient(client_user).get(f"/documents/{note.pk}").json()
    assert as_client["deliveries"] == []
    badges = login(client_user).get(reverse("delivery:document_badges", args=[note.pk]))
    assert "revision-interne" not in badges.text
    # The firm still sees where its copy went, from the original and from the copy.
    as_firm = ApiClient(firm_admin).get(f"/documents/{note.pk}").json()
    assert [d["address"] for d in as_firm["deliveries"]] == ["revision-interne@cabinet.example"]


# --- lockout behind the reverse proxy -----------------------------------------------------------

@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.COMPTOIR_TRUSTED_PROXY_COUNT = 1
    from axes.models import AccessAttempt

    AccessAttempt.objects.all().delete()
    return settings


def _login(client: Client, email: str, password: str, forwarded_for: str):
    return client.post(reverse("accounts:login"), {"username": email, "password": password},
                       REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded_for)


def test_an_attacker_behind_the_proxy_cannot_lock_the_real_user_out(axes_on, firm_admin):
    firm_admin.set_password("Le-bon-mot-de-passe-1")
    firm_admin.save()
    attacker = Client()
    for _ in range(6):
        _login(attacker, firm_admin.email, "faux", forwarded_for="203.0.113.66")
    assert _login(attacker, firm_admin.email, "Le-bon-mot-de-passe-1", "203.0.113.66").status_code != 302
    # The real user comes through the same proxy from their own address.
    response = _login(Client(), firm_admin.email, "Le-bon-mot-de-passe-1", forwarded_for="198.51.100.7")
    assert response.status_code == 302


def test_a_forged_forwarded_for_does_not_escape_the_lockout(axes_on, firm_admin):
    attacker = Client()
    for index in range(6):
        # The client writes what it wants on the left; the proxy appends the address it saw.
        _login(attacker, firm_admin.email, "faux", forwarded_for=f"192.0.2.{index}, 203.0.113.66")
    firm_admin.set_password("Le-bon-mot-de-passe-1")
    firm_admin.save()
    blocked = _login(attacker, firm_admin.email, "Le-bon-mot-de-passe-1", "192.0.2.99, 203.0.113.66")
    assert blocked.status_code != 302


def test_one_address_trying_many_accounts_is_refused(axes_on, firm):
    axes_on.COMPTOIR_LOGIN_IP_FAILURE_LIMIT = 8
    victim = membership_for(UserFactory(email="victime@alpha.fr"), firm=firm, role=Role.FIRM_MEMBER).user
    victim.set_password("Le-bon-mot-de-passe-1")
    victim.save()
    sprayer = Client()
    for index in range(9):
        _login(sprayer, f"inconnu{index}@alpha.fr", "faux", forwarded_for="203.0.113.66")
    refused = _login(sprayer, victim.email, "Le-bon-mot-de-passe-1", forwarded_for="203.0.113.66")
    assert refused.status_code != 302
    assert "Trop de tentatives" in refused.text
    assert _login(Client(), victim.email, "Le-bon-mot-de-passe-1", forwarded_for="198.51.100.7").status_code == 302


# --- formula injection in the send-history CSV --------------------------------------------------

def test_send_history_csv_neutralises_formulas(company, firm_admin):
    ventes = folder_named(company, "Ventes")
    destination = destination_for(company)
    names = ['=HYPERLINK(A1;B1).pdf', "+33 facture.pdf", "-1.pdf", "@SUM(A1).pdf"]
    for name in names:
        from comptoir.ged.services import document_deposit
        from tests.factories import PDF_BYTES

        document = document_deposit(folder=ventes, file=ContentFile(PDF_BYTES, name="x.pdf"), channel="web",
                                    actor=firm_admin, filename=name)
        delivery_make(document, destination, status="failed")
    response = login(firm_admin).get(reverse("delivery:history_csv", args=["upflow"]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row]
    assert not [cell for cell in cells if cell[:1] in {"=", "+", "-", "@", "\t", "\r"}]
    assert [cell for cell in cells if cell.startswith("'=HYPERLINK(")]


# --- pagination bounds --------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["offset=-5", "offset=12345678901234567890", "limit=0", "limit=100000",
                                   "limit=-1", "offset=abc"])
def test_out_of_bounds_pagination_is_a_json_422(query, firm_admin):
    response = ApiClient(firm_admin).get(f"/deliveries?{query}")
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"


# --- document and folder roles ------------------------------------------------------------------

@pytest.fixture
def client_member(company):
    return membership_for(UserFactory(email="membre@boulangerie.fr"), firm=company.firm, role=Role.CLIENT_MEMBER,
                          company=company).user


def test_client_member_cannot_rename_move_or_trash_what_the_firm_deposited(company, firm_admin, client_member):
    ventes = folder_named(company, "Ventes")
    bilan = deposit_pdf(ventes, actor=firm_admin, name="bilan.pdf")
    web = login(client_member)
    web.post(reverse("ged:document_rename", args=[bilan.pk]), {"name": "pirate.pdf"})
    web.post(reverse("ged:document_trash", args=[bilan.pk]))
    web.post(reverse("ged:document_move", args=[bilan.pk]), {"folder": folder_named(company, "Achats").pk})
    bilan.refresh_from_db()
    assert (bilan.name, bilan.deleted_at, bilan.folder_id) == ("bilan.pdf", None, ventes.pk)
    achats = folder_named(company, "Achats")
    api = ApiClient(client_member).post(f"/documents/{bilan.pk}/move", {"folder_id": achats.pk})
    assert api.status_code == 403 and api.json()["error"] == "forbidden"


def test_client_member_may_rename_what_they_deposited(company, client_member):
    mine = deposit_pdf(folder_named(company, "Ventes"), actor=client_member, name="ma-facture.pdf")
    login(client_member).post(reverse("ged:document_rename", args=[mine.pk]), {"name": "facture-1.pdf"})
    mine.refresh_from_db()
    assert mine.name == "facture-1.pdf"


def test_client_admin_cannot_change_a_folder_the_firm_created(company, firm_admin, client_user):
    from comptoir.ged.services import folder_create

    firm_folder = folder_create(company=company, parent=None, name="Documents du cabinet", actor=firm_admin)
    login(client_user).post(reverse("ged:folder_rename", args=[firm_folder.pk]), {"name": "À moi"})
    firm_folder.refresh_from_db()
    assert firm_folder.name == "Documents du cabinet"
    own = folder_create(company=company, parent=None, name="Mes scans", actor=client_user)
    login(client_user).post(reverse("ged:folder_rename", args=[own.pk]), {"name": "Scans"})
    own.refresh_from_db()
    assert own.name == "Scans"


def test_folder_restore_checks_the_same_right_as_trash(company, firm_admin, client_user):
    from comptoir.ged.services import folder_create, folder_trash

    firm_folder = folder_create(company=company, parent=None, name="Archives cabinet", actor=firm_admin)
    folder_trash(folder=firm_folder, actor=firm_admin)
    response = login(client_user).post(reverse("ged:folder_restore", args=[company.pk, firm_folder.pk]))
    firm_folder.refresh_from_db()
    assert response.status_code == 403 and firm_folder.deleted_at is not None


# --- /metrics -----------------------------------------------------------------------------------

def test_metrics_closed_without_token_unless_opened(db, settings):
    settings.COMPTOIR_METRICS_TOKEN = ""
    assert Client().get("/metrics").status_code == 401
    settings.COMPTOIR_METRICS_PUBLIC = True
    assert Client().get("/metrics").status_code == 200
