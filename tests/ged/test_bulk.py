"""Many documents at once: each goes through the single-document service, so a bulk move into an
on-folder delivers each document once, exactly like single moves; bad ids change nothing."""

import io
import zipfile

import pytest
from django.urls import reverse

from comptoir.ged.models import Document
from comptoir.partners.models import Delivery
from tests.conftest import login
from tests.factories import deposit_pdf, folder_named
from tests.partners.conftest import connect, switch

pytestmark = pytest.mark.django_db


@pytest.fixture
def upflow(firm, company, firm_admin):
    return connect(firm=firm, company=company, slug="upflow",
                   destinations={"collection": "factures.boulangerie@upflow.example"}, actor=firm_admin)


def _three(company, actor):
    achats = folder_named(company, "Achats")
    return [deposit_pdf(achats, actor=actor, name=f"piece-{index}.pdf",
                        content=b"%PDF-1.4\n%" + bytes([65 + index]) * 40) for index in range(3)]


def test_bulk_move_into_an_on_month_makes_one_delivery_per_document(company, firm_admin, upflow):
    ventes = folder_named(company, "Ventes")
    month = ventes.children.order_by("position").first()
    switch(ventes, upflow, "on", actor=firm_admin)
    documents = _three(company, firm_admin)
    client = login(firm_admin)
    response = client.post(reverse("ged:bulk", args=[documents[0].folder_id]),
                           {"action": "move", "folder": month.pk, "document": [d.pk for d in documents]})
    assert response.status_code == 302
    assert set(Document.objects.filter(folder=month).values_list("pk", flat=True)) == {d.pk for d in documents}
    assert sorted(Delivery.objects.values_list("document_id", flat=True)) == sorted(d.pk for d in documents)
    assert all(delivery.trigger == "move" for delivery in Delivery.objects.all())
    # Moving them again (out and back) never sends twice.
    achats = folder_named(company, "Achats")
    client.post(reverse("ged:bulk", args=[month.pk]), {"action": "move", "folder": achats.pk,
                                                      "document": [d.pk for d in documents]})
    client.post(reverse("ged:bulk", args=[achats.pk]), {"action": "move", "folder": month.pk,
                                                       "document": [d.pk for d in documents]})
    assert Delivery.objects.count() == 3


def test_bulk_zip_has_the_exact_bytes(company, firm_admin):
    documents = _three(company, firm_admin)
    documents.append(deposit_pdf(folder_named(company, "Achats"), actor=firm_admin, name="piece-0.pdf",
                                 content=b"%PDF-1.4\nhomonyme"))
    response = login(firm_admin).post(reverse("ged:bulk", args=[documents[0].folder_id]),
                                      {"action": "zip", "document": [d.pk for d in documents]})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    body = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(body)
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.namelist() == ["piece-0.pdf", "piece-1.pdf", "piece-2.pdf", "piece-0 (2).pdf"]
    from comptoir.ged.blobs import blob_open

    for name, document in zip(archive.namelist(), documents, strict=True):
        with blob_open(document.blob) as stored:
            assert archive.read(name) == stored.read()


def test_select_all_in_the_list_acts_on_every_matching_document(company, firm_admin):
    achats = folder_named(company, "Achats")
    documents = _three(company, firm_admin)
    response = login(firm_admin).post(reverse("ged:bulk", args=[achats.pk]),
                                      {"action": "trash", "all": "1", "filters": ""})
    assert response.status_code == 302
    assert Document.objects.filter(pk__in=[d.pk for d in documents], deleted_at__isnull=False).count() == 3


def test_bulk_trash_then_restore_from_the_trash(company, firm_admin):
    documents = _three(company, firm_admin)
    client = login(firm_admin)
    client.post(reverse("ged:bulk", args=[documents[0].folder_id]),
                {"action": "trash", "document": [d.pk for d in documents[:2]]})
    assert Document.objects.filter(deleted_at__isnull=False).count() == 2
    trash = client.get(reverse("ged:trash", args=[company.pk])).content.decode()
    assert "Dossier comptable annuel" in trash and "/ Achats" in trash  # full paths
    client.post(reverse("ged:trash_bulk_restore", args=[company.pk]), {"document": [d.pk for d in documents[:2]]})
    assert Document.objects.filter(deleted_at__isnull=False).count() == 0


def test_an_id_of_another_tenant_makes_the_whole_bulk_request_a_404(company, firm_admin, other_company,
                                                                     other_firm_admin):
    documents = _three(company, firm_admin)
    foreign = deposit_pdf(folder_named(other_company, "Achats"), actor=other_firm_admin, name="autre.pdf")
    response = login(firm_admin).post(reverse("ged:bulk", args=[documents[0].folder_id]),
                                      {"action": "trash", "document": [documents[0].pk, foreign.pk]})
    assert response.status_code == 404
    assert not Document.objects.filter(deleted_at__isnull=False).exists()
    response = login(other_firm_admin).post(reverse("ged:bulk", args=[foreign.folder_id]),
                                            {"action": "zip", "document": [documents[0].pk]})
    assert response.status_code == 404


def test_move_picker_and_confirmations_show_full_paths(company, firm_admin):
    documents = _three(company, firm_admin)
    ventes_month = folder_named(company, "Ventes").children.order_by("position").first()
    achats_month = folder_named(company, "Achats").children.order_by("position").first()
    assert ventes_month.name == achats_month.name
    client = login(firm_admin)
    page = client.get(reverse("ged:folder", args=[documents[0].folder_id])).content.decode()
    annual = folder_named(company, "Ventes").parent.name
    assert f"{annual} / Ventes / {ventes_month.name}</option>" in page
    assert f"{annual} / Achats / {achats_month.name}</option>" in page
    response = client.post(reverse("ged:bulk", args=[documents[0].folder_id]),
                           {"action": "move", "folder": ventes_month.pk, "document": [documents[0].pk]}, follow=True)
    assert f"déplacé vers « {annual} / Ventes / {ventes_month.name} »" in response.content.decode()


def test_trashing_the_annual_folder_says_what_it_holds_and_needs_its_name(company, firm_admin, upflow):
    ventes = folder_named(company, "Ventes")
    annual = ventes.parent
    month = ventes.children.order_by("position").first()
    switch(ventes, upflow, "on", actor=firm_admin)
    sent = deposit_pdf(month, actor=firm_admin, name="envoye.pdf")
    Delivery.objects.filter(document=sent).update(status="sent")
    deposit_pdf(month, actor=firm_admin, name="autre.pdf")
    client = login(firm_admin)
    page = client.get(reverse("ged:folder_trash", args=[annual.pk])).content.decode()
    subfolders = annual.company.folders.filter(path__startswith=annual.path).exclude(pk=annual.pk).count()
    assert f"{subfolders} sous-dossiers" in page and "2 documents" in page
    assert "dont 1 envoyé à un partenaire" in page
    refused = client.post(reverse("ged:folder_trash", args=[annual.pk]), {"confirm_name": "oui"})
    assert refused.status_code == 400
    annual.refresh_from_db()
    assert annual.deleted_at is None
    client.post(reverse("ged:folder_trash", args=[annual.pk]), {"confirm_name": annual.name})
    annual.refresh_from_db()
    assert annual.deleted_at is not None


def test_subfolders_show_the_partners_they_send_to_for_firm_staff_only(company, firm_admin, client_user, upflow):
    ventes = folder_named(company, "Ventes")
    months = list(ventes.children.order_by("position"))
    switch(ventes, upflow, "on", actor=firm_admin)
    switch(months[1], upflow, "off", actor=firm_admin)
    page = login(firm_admin).get(reverse("ged:folder", args=[ventes.pk])).content.decode()
    rows = {row.split('data-folder-id="')[1].split('"')[0]: row for row in page.split('<tr class="subfolder"')[1:]}
    assert "● Upflow" in rows[str(months[0].pk)] and "● Upflow" not in rows[str(months[1].pk)]
    assert "● Upflow" not in login(client_user).get(reverse("ged:folder", args=[ventes.pk])).content.decode()


def test_a_refusal_in_bulk_is_forbidden_like_the_single_action(company, firm_admin, client_user):
    """The policy is asked first: a client member trashing the firm's document is `forbidden`, not `invalid`."""
    from comptoir.ged.services.bulk import documents_bulk_trash

    firms = _three(company, firm_admin)
    outcomes = documents_bulk_trash(documents=firms, actor=client_user)
    assert {(o.ok, o.error_code) for o in outcomes} == {(False, "forbidden")}
    assert Document.objects.filter(pk__in=[d.pk for d in firms], deleted_at__isnull=True).count() == 3
