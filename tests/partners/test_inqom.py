"""Inqom end to end: four addresses pasted once, « Relier les dossiers habituels », real SMTP on loopback."""

from django.urls import reverse

from comptoir.ged.models import Folder
from comptoir.partners.models import Connection, FolderSwitch
from tests.delivery.conftest import drain
from tests.factories import CompanyFactory, FirmFactory, deposit_pdf

ADDRESSES = {"achats": "achat.boulangerie@inqombox.com", "ventes": "vente.boulangerie@inqombox.com",
             "ndf": "ndf.boulangerie@inqombox.com", "admin": "admin.boulangerie@inqombox.com"}


def _role(company, role: str) -> Folder:
    return Folder.objects.get(company=company, role=role, deleted_at__isnull=True)


def test_inqom_four_addresses_usual_folders_and_one_mail_per_document(
        smtp_server, firm, company, firm_admin, api_as, admin_client, settings):
    client = api_as(firm_admin)
    assert client.post("/apps/inqom/install").status_code == 201
    url = f"/apps/inqom/connections/{company.pk}"
    # A sales address pasted in the purchases field, and a foreign domain: refused by field, nothing saved.
    wrong = client.send("PUT", url, {"destinations": {**ADDRESSES, "achats": ADDRESSES["ventes"],
                                                      "admin": "admin.boulangerie@gmail.com"}})
    assert wrong.status_code == 400 and set(wrong.json()["detail"]) == {"achats", "admin"}
    assert "achat.<entreprise>@inqombox.com" in wrong.json()["detail"]["achats"][0]
    assert not Connection.objects.exists()
    saved = client.send("PUT", url, {"destinations": ADDRESSES})
    assert saved.status_code == 200 and saved.json()["destinations"] == ADDRESSES and saved.json()["method"] == "email"

    # The page shows the sending address to allow-list at Inqom, and the one confirmed action.
    page = admin_client.get(reverse("partners:connections", args=["inqom"])).content.decode()
    assert settings.SENDER_ADDRESS in page and "Relier les dossiers habituels" in page and "data-confirm" in page

    response = admin_client.post(reverse("partners:usual_folders_link", args=["inqom", company.pk]))
    assert response.status_code == 302
    fed = {s.folder.role: s.destination.key for s in FolderSwitch.objects.select_related("folder", "destination")}
    assert fed == {"achats": "achats", "ventes": "ventes", "ndf": "ndf", "juridique": "admin", "social": "admin"}
    assert not FolderSwitch.objects.filter(folder__role="fiscal").exists(), "Fiscal is left to the firm"
    # Undone one switch at a time; and a switch set by the API names its destination.
    ndf = _role(company, "ndf")
    assert client.send("PUT", f"/folders/{ndf.pk}/switches/inqom", {"state": "inherit"}).status_code == 200
    fiscal = _role(company, "fiscal")
    put = client.send("PUT", f"/folders/{fiscal.pk}/switches/inqom", {"state": "on", "destination": "achats"})
    assert put.status_code == 200 and put.json()["destination_address"] == ADDRESSES["achats"]
    assert FolderSwitch.objects.count() == 5

    deposit_pdf(_role(company, "achats"), name="achat.pdf", actor=firm_admin)
    deposit_pdf(_role(company, "ventes"), name="vente.pdf", actor=firm_admin)
    deposit_pdf(ndf, name="ticket.pdf", actor=firm_admin)  # no longer linked: not sent
    assert drain() == 2 and drain() == 0
    smtp_server.wait_for(2)
    sent = sorted((envelope.rcpt_tos[0], next(part.get_filename() for part in envelope.message.iter_attachments()))
                  for envelope in smtp_server.envelopes)
    assert sent == [(ADDRESSES["achats"], "achat.pdf"), (ADDRESSES["ventes"], "vente.pdf")]


def test_usual_folders_of_another_firms_connection_are_a_404(firm, company, firm_admin, api_as):
    client = api_as(firm_admin)
    client.post("/apps/inqom/install")
    client.send("PUT", f"/apps/inqom/connections/{company.pk}", {"destinations": ADDRESSES})
    other = CompanyFactory(firm=FirmFactory(), name="Autre cabinet SA")
    assert client.post(f"/apps/inqom/connections/{other.pk}/usual-folders").status_code == 404
    assert client.post(f"/apps/inqom/connections/{company.pk}/usual-folders").json()["linked"] == 5
