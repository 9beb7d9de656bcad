"""The "À valider" list, its API and its counts: firm staff decide, clients never see it."""

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from comptoir.ged.models import Document
from comptoir.intake.models import MailboxPolicy, QuarantinedDocument
from comptoir.intake.services.quarantine import quarantine_hold
from tests.api.conftest import ApiClient
from tests.conftest import login
from tests.factories import PDF_BYTES, folder_named

pytestmark = pytest.mark.django_db


def hold(company, *, name="facture.pdf", message_key="m1", key=None, data=PDF_BYTES,
         reason="unauthenticated") -> QuarantinedDocument:
    return quarantine_hold(
        company=company, folder=folder_named(company, "Ventes"), file=ContentFile(data), filename=name,
        mailbox="ventes", recipient="ventes+x.abc@depot.test", reason=reason,
        authentication="aucune authentification", sender="compta@allowed.fr", envelope_sender="x@evil.example",
        subject="Facture", message_id="<m1@allowed.fr>", message_key=message_key, idempotency_key=key or name,
        received_at=timezone.now())


def test_firm_staff_see_why_and_approve_one_document(firm_member, company):
    held = hold(company)
    page = login(firm_member).get(f"/depots/entreprises/{company.pk}/a-valider/").content.decode()
    assert "facture.pdf" in page and "expéditeur non authentifié" in page and "ventes+x.abc@depot.test" in page
    assert "Tout valider pour ce message" in page
    response = login(firm_member).post(f"/depots/a-valider/{held.pk}/", {"action": "approve"})
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.folder == folder_named(company, "Ventes") and document.channel == "email"
    assert "facture.pdf" not in login(firm_member).get(f"/depots/entreprises/{company.pk}/a-valider/").content.decode()


def test_approve_all_for_this_message_and_reject(firm_admin, company):
    first, second = hold(company, name="a.pdf"), hold(company, name="b.pdf", data=PDF_BYTES + b"%b\n")
    other = hold(company, name="c.pdf", message_key="m2", data=PDF_BYTES + b"%c\n")
    client = login(firm_admin)
    client.post(f"/depots/a-valider/{first.pk}/", {"action": "approve_message"})
    assert sorted(Document.objects.values_list("name", flat=True)) == ["a.pdf", "b.pdf"]
    client.post(f"/depots/a-valider/{other.pk}/", {"action": "reject"})
    other.refresh_from_db()
    assert other.status == "rejected" and other.blob == ""
    assert Document.objects.count() == 2
    second.refresh_from_db()
    assert second.status == "approved"


def test_clients_never_see_the_quarantine(client_user, company):
    held = hold(company)
    client = login(client_user)
    assert client.get(f"/depots/entreprises/{company.pk}/a-valider/").status_code == 404
    assert client.post(f"/depots/a-valider/{held.pk}/", {"action": "approve"}).status_code == 404
    panel = client.get(f"/depots/entreprises/{company.pk}/boites/").content.decode()
    assert "À valider" not in panel
    assert not Document.objects.exists()


def test_company_page_panel_counts_what_waits(firm_member, company):
    hold(company, name="a.pdf")
    hold(company, name="b.pdf", data=PDF_BYTES + b"%b\n")
    panel = login(firm_member).get(f"/depots/entreprises/{company.pk}/boites/").content.decode()
    panel = panel.replace("\u00a0", " ").replace("\u202f", " ")  # French typography's narrow spaces
    assert "À valider : 2 documents reçus d'expéditeurs non vérifiés" in panel


def test_the_list_in_english(firm_member, company):
    hold(company)
    client = login(firm_member)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/depots/entreprises/{company.pk}/a-valider/")
    text = page.content.decode()
    assert "To approve" in text and "sender not authenticated" in text and "Approve everything in this message" in text


def test_api_lists_approves_rejects_for_staff_only(firm_member, client_user, company):
    first, second = hold(company, name="a.pdf"), hold(company, name="b.pdf", data=PDF_BYTES + b"%b\n")
    staff = ApiClient(firm_member)
    listed = staff.get(f"/companies/{company.pk}/quarantine?limit=1")
    assert listed.status_code == 200 and len(listed.json()) == 1
    assert {row["filename"] for row in staff.get(f"/companies/{company.pk}/quarantine").json()} == {"a.pdf", "b.pdf"}
    client = ApiClient(client_user)
    assert client.get(f"/companies/{company.pk}/quarantine").json()["error"] == "not_found"
    assert client.post(f"/quarantine/{first.pk}/approve").status_code == 404
    approved = staff.post(f"/quarantine/{first.pk}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert approved.json()["document_id"] == Document.objects.get().pk
    again = staff.post(f"/quarantine/{first.pk}/approve")
    assert again.status_code == 409 and again.json()["error"] == "conflict"
    assert staff.post(f"/quarantine/{second.pk}/reject").json()["status"] == "rejected"
    assert Document.objects.count() == 1


def test_other_firm_gets_404(other_firm_admin, company):
    held = hold(company)
    assert login(other_firm_admin).get(f"/depots/entreprises/{company.pk}/a-valider/").status_code == 404
    assert ApiClient(other_firm_admin).post(f"/quarantine/{held.pk}/reject").status_code == 404
    held.refresh_from_db()
    assert held.status == "pending"


def test_metrics_count_the_quarantine(company, firm_member, settings):
    settings.COMPTOIR_METRICS_PUBLIC = True
    hold(company, name="a.pdf")
    rejected = hold(company, name="b.pdf", data=PDF_BYTES + b"%b\n")
    login(firm_member).post(f"/depots/a-valider/{rejected.pk}/", {"action": "reject"})
    text = Client().get("/metrics").content.decode()
    assert 'comptoir_quarantine_documents{status="pending"} 1.0' in text
    assert 'comptoir_quarantine_documents{status="rejected"} 1.0' in text


def test_approving_offers_to_always_allow_an_authenticated_sender(firm_member, company):
    unproven = hold(company, name="a.pdf", message_key="m1")
    held = hold(company, name="b.pdf", message_key="m2", reason="not_allowed")
    page = login(firm_member).get(f"/depots/entreprises/{company.pk}/a-valider/").content.decode()
    assert page.count('name="allow_sender"') == 1  # only the authenticated sender can be allowed
    assert "toujours autoriser cet expéditeur (compta@allowed.fr)" in page
    response = login(firm_member).post(f"/depots/a-valider/{held.pk}/", {"action": "approve", "allow_sender": "1"},
                                       follow=True)
    assert "compta@allowed.fr est désormais autorisé" in response.content.decode()
    assert MailboxPolicy.objects.get(company=company).sender_patterns() == ["compta@allowed.fr"]
    response = login(firm_member).post(f"/depots/a-valider/{unproven.pk}/",
                                       {"action": "approve", "allow_sender": "1"}, follow=True)
    assert "il ne peut pas être autorisé" in response.content.decode()
    unproven.refresh_from_db()
    assert unproven.status == "pending" and Document.objects.count() == 1


def test_api_approval_may_always_allow_the_sender(firm_member, company):
    unproven = hold(company, name="a.pdf", message_key="m1")
    held = hold(company, name="b.pdf", message_key="m2", reason="not_allowed")
    staff = ApiClient(firm_member)
    refused = staff.post(f"/quarantine/{unproven.pk}/approve?allow_sender=true")
    assert refused.status_code == 400 and "authentifié" in refused.json()["detail"]
    assert staff.post(f"/quarantine/{held.pk}/approve?allow_sender=true").json()["status"] == "approved"
    assert MailboxPolicy.objects.get(company=company).sender_patterns() == ["compta@allowed.fr"]
