"""Connections, addresses, removal and demo requests (promise 6: cancelling what is pending, with a reason)."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from comptoir.core.models import AuditEvent
from comptoir.partners.addresses import email_address_normalise
from comptoir.partners.catalogue.registry import app_get, app_list
from comptoir.partners.models import Delivery, DemoRequest
from comptoir.partners.services import connection_revoke, connection_set, demo_request_create, installation_remove
from tests.factories import deposit_pdf, folder_named
from tests.partners.conftest import connect, switch


def test_the_store_lists_real_tools_upflow_inqom_isuite_and_a_signed_webhook():
    upflow = app_get("upflow")
    assert ([d.key for d in upflow.destinations], upflow.max_size) == (["collection"], 25 * 1024 * 1024)
    assert upflow.accepted_types == {"application/pdf", "image/jpeg", "image/png"}
    # The plateforme agréée joins from its own app (einvoicing registers it at start-up).
    assert [app.slug for app in app_list()] == ["upflow", "inqom", "isuite", "webhook", "pa"]
    assert [d.key for d in app_get("inqom").destinations] == ["achats", "ventes", "ndf", "admin"]
    assert [m.name for m in upflow.methods] == ["email", "api"] and app_get("isuite").kind == "ftp"


@pytest.mark.parametrize("trick", [
    "a@b.fr\r\nBcc: x@y.fr", "a@b.fr\nBcc: x@y.fr", "Nom <a@b.fr>", '"Nom" <a@b.fr>', "a@b.fr, c@d.fr",
    "a@b.fr;c@d.fr", "a@@b.fr", "a@b@c.fr", "a b@c.fr", "a@b", "", "@b.fr", "a@", "a@b.fr (Nom)",
])
def test_address_validation_rejects_header_tricks_and_non_addresses(trick):
    with pytest.raises(ValidationError):
        email_address_normalise(trick)


def test_address_domain_is_normalised_to_lowercase():
    assert email_address_normalise("  Factures.X@Upflow.EXAMPLE ") == "Factures.X@upflow.example"


def test_connection_set_reports_errors_per_destination_and_saves_nothing(firm, company, firm_admin, inqom):
    with pytest.raises(ValidationError) as error:
        connection_set(installation=inqom.installation, company=company, actor=firm_admin,
                       destinations={"achats": "Nom <a@b.fr>", "ventes": "vente.boulangerie@INQOMBOX.com"})
    assert set(error.value.message_dict) == {"achats"}
    assert {d.key: d.address for d in inqom.destinations.all()} == {"achats": "achat.boulangerie@inqombox.com",
                                                                            "ventes": "vente.boulangerie@inqombox.com"}


def test_correcting_an_address_updates_the_destination_in_place(company, upflow, firm_admin):
    switch(folder_named(company, "Ventes"), upflow, "on", actor=firm_admin)
    delivery = Delivery.objects.get(document=deposit_pdf(folder_named(company, "Ventes")))
    connection_set(installation=upflow.installation, company=company, actor=firm_admin,
                   destinations={"collection": "nouvelle@Upflow.example"})
    delivery.refresh_from_db()
    assert delivery.destination.address == "nouvelle@upflow.example"
    assert AuditEvent.objects.filter(action="partners.connection_set").count() == 2


def test_revoking_a_connection_cancels_its_pending_deliveries_with_a_reason(company, upflow, firm_admin):
    ventes = folder_named(company, "Ventes")
    switch(ventes, upflow, "on", actor=firm_admin)
    pending = Delivery.objects.get(document=deposit_pdf(ventes))
    sent = Delivery.objects.get(document=deposit_pdf(ventes, name="sent.pdf"))
    Delivery.objects.filter(pk=sent.pk).update(status="sent")
    assert connection_revoke(connection=upflow, actor=firm_admin) == 1
    pending.refresh_from_db()
    assert pending.status == "cancelled" and "révoquée" in pending.reason
    assert Delivery.objects.get(pk=sent.pk).status == "sent"
    # No longer connected: nothing new is due.
    assert not Delivery.objects.filter(document=deposit_pdf(ventes, name="later.pdf")).exists()


def test_switching_off_later_does_not_cancel_what_was_due(company, upflow, firm_admin):
    ventes = folder_named(company, "Ventes")
    switch(ventes, upflow, "on", actor=firm_admin)
    delivery = Delivery.objects.get(document=deposit_pdf(ventes))
    switch(ventes, upflow, "off", actor=firm_admin)
    delivery.refresh_from_db()
    assert delivery.status == "pending"


def test_removing_the_app_cancels_pending_deliveries_of_every_company(firm, company, upflow, firm_admin):
    from tests.factories import CompanyFactory

    other = CompanyFactory(firm=firm, name="Traiteur Delta")
    other_connection = connect(firm=firm, company=other, slug="upflow", actor=firm_admin,
                               destinations={"collection": "delta@upflow.example"})
    switch(folder_named(company, "Ventes"), upflow, "on", actor=firm_admin)
    switch(folder_named(other, "Ventes"), other_connection, "on", actor=firm_admin)
    deposit_pdf(folder_named(company, "Ventes"))
    deposit_pdf(folder_named(other, "Ventes"))
    assert installation_remove(installation=upflow.installation, actor=firm_admin) == 2
    assert set(Delivery.objects.values_list("status", "reason")) == {
        ("cancelled", "Application Upflow retirée de l'espace du cabinet.")}


def test_demo_request_is_recorded_and_mailed_to_the_app_and_the_requester(
        firm, company, firm_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        demo_request_create(firm=firm, company=company, slug="upflow", actor=firm_admin, message="Pour mars")
    assert DemoRequest.objects.get().company == company
    assert sorted(m.to[0] for m in mail.outbox) == ["admin@alpha.fr", "partenaires@upflow.example"]
    assert all("Boulangerie Alpha" in m.subject and "Pour mars" in m.body for m in mail.outbox)


def test_demo_email_waits_for_commit(firm, company, firm_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        demo_request_create(firm=firm, company=company, slug="upflow", actor=firm_admin)
    assert mail.outbox == [] and len(callbacks) == 1


def test_webhook_connection_takes_an_https_url_and_generates_a_signing_secret(firm, company, firm_admin):
    with pytest.raises(ValidationError):
        connect(firm=firm, company=company, slug="webhook", actor=firm_admin,
                destinations={"endpoint": "http://partenaire.example/hook"})
    connection = connect(firm=firm, company=company, slug="webhook", actor=firm_admin,
                         destinations={"endpoint": "https://Partenaire.example/hook"})
    assert connection.destinations.get().address == "https://partenaire.example/hook"
    assert len(connection.config["signing_secret"]) >= 32
