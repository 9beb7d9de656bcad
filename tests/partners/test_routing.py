"""Promises 1, 3, 4, 5 and 7: which documents become due, and only once."""

import io
import zipfile

from django.core.files.base import ContentFile

from comptoir.ged.services import (
    document_copy,
    document_deposit,
    document_move,
    document_restore,
    document_trash,
    folder_create,
)
from comptoir.jobs.wakeups import work_wait
from comptoir.partners.models import Delivery
from comptoir.partners.services import deliveries_backfill
from tests.factories import deposit_pdf, folder_named
from tests.partners.conftest import switch


def test_switch_on_parent_covers_existing_subfolder(company, upflow, firm_admin):
    ventes = folder_named(company, "Ventes")
    janvier = ventes.children.order_by("position").first()
    switch(ventes, upflow, "on", actor=firm_admin)
    document = deposit_pdf(janvier, actor=firm_admin)
    delivery = Delivery.objects.get(document=document)
    assert (delivery.status, delivery.trigger, delivery.app_slug) == ("pending", "deposit", "upflow")
    assert delivery.destination.address == "factures.boulangerie@upflow.example"


def test_switch_on_parent_covers_subfolder_created_later(company, upflow, firm_admin):
    ventes = folder_named(company, "Ventes")
    switch(ventes, upflow, "on", actor=firm_admin)
    export = folder_create(company=company, parent=ventes, name="Export", actor=firm_admin)
    deep = folder_create(company=company, parent=export, name="Allemagne", actor=firm_admin)
    document = deposit_pdf(deep, actor=firm_admin)
    assert Delivery.objects.filter(document=document).count() == 1


def test_nothing_is_due_where_no_switch_is_on(company, upflow, firm_admin):
    deposit_pdf(folder_named(company, "Achats"), actor=firm_admin)
    deposit_pdf(folder_named(company, "Ventes"), actor=firm_admin)
    assert Delivery.objects.count() == 0


def test_explicit_off_excludes_a_subfolder(company, upflow, firm_admin):
    ventes = folder_named(company, "Ventes")
    avoirs = folder_create(company=company, parent=ventes, name="Avoirs", actor=firm_admin)
    switch(ventes, upflow, "on", actor=firm_admin)
    switch(avoirs, upflow, "off", actor=firm_admin)
    assert Delivery.objects.filter(document=deposit_pdf(avoirs)).count() == 0
    below = folder_create(company=company, parent=avoirs, name="2026", actor=firm_admin)
    assert Delivery.objects.filter(document=deposit_pdf(below)).count() == 0
    assert Delivery.objects.filter(document=deposit_pdf(ventes)).count() == 1


def test_nearest_explicit_switch_wins(company, upflow, firm_admin):
    annual = folder_named(company, "Ventes").parent
    ventes = folder_named(company, "Ventes")
    export = folder_create(company=company, parent=ventes, name="Export", actor=firm_admin)
    switch(annual, upflow, "on", actor=firm_admin)
    switch(ventes, upflow, "off", actor=firm_admin)
    switch(export, upflow, "on", actor=firm_admin)
    assert Delivery.objects.filter(document=deposit_pdf(export)).count() == 1
    assert Delivery.objects.filter(document=deposit_pdf(ventes)).count() == 0
    assert Delivery.objects.filter(document=deposit_pdf(folder_named(company, "Banque"))).count() == 1
    # Resetting the middle one to inherit lets the root's "on" through again.
    switch(ventes, upflow, "inherit", actor=firm_admin)
    assert Delivery.objects.filter(document=deposit_pdf(ventes, name="b.pdf")).count() == 1


def test_switching_on_is_not_retroactive(company, upflow, firm_admin):
    ventes = folder_named(company, "Ventes")
    before = deposit_pdf(ventes, name="avant.pdf")
    switch(ventes, upflow, "on", actor=firm_admin)
    after = deposit_pdf(ventes, name="apres.pdf")
    assert not Delivery.objects.filter(document=before).exists()
    assert Delivery.objects.filter(document=after).count() == 1


def test_move_and_copy_into_an_on_folder_are_deposits_but_restore_is_not(company, upflow, firm_admin):
    ventes, achats = folder_named(company, "Ventes"), folder_named(company, "Achats")
    switch(ventes, upflow, "on", actor=firm_admin)
    moved = deposit_pdf(achats, name="moved.pdf")
    document_move(document=moved, folder=ventes, actor=firm_admin)
    assert Delivery.objects.get(document=moved).trigger == "move"

    original = deposit_pdf(achats, name="copied.pdf")
    copy = document_copy(document=original, folder=ventes, actor=firm_admin)
    assert Delivery.objects.get(document=copy).trigger == "copy"

    # A document trashed before the switch, restored after: restoring is not a deposit.
    trashed = deposit_pdf(folder_named(company, "Banque"), name="trashed.pdf")
    switch(folder_named(company, "Banque"), upflow, "on", actor=firm_admin)
    document_trash(document=trashed, actor=firm_admin)
    document_restore(document=trashed, actor=firm_admin)
    assert not Delivery.objects.filter(document=trashed).exists()


def test_no_second_delivery_on_move_out_and_back_toggle_copy_back_and_double_backfill(company, upflow, firm_admin):
    ventes, achats = folder_named(company, "Ventes"), folder_named(company, "Achats")
    switch(ventes, upflow, "on", actor=firm_admin)
    document = deposit_pdf(ventes, actor=firm_admin)
    document_move(document=document, folder=achats, actor=firm_admin)
    switch(ventes, upflow, "off", actor=firm_admin)
    switch(ventes, upflow, "on", actor=firm_admin)
    document_move(document=document, folder=ventes, actor=firm_admin)
    copy = document_copy(document=document, folder=achats, actor=firm_admin)
    document_copy(document=copy, folder=ventes, actor=firm_admin)
    assert deliveries_backfill(folder=ventes, connection=upflow, actor=firm_admin) == 0
    assert deliveries_backfill(folder=ventes, connection=upflow, actor=firm_admin) == 0
    assert Delivery.objects.filter(lineage=document.lineage).count() == 1


def test_two_apps_on_one_folder_give_two_deliveries(company, upflow, inqom, firm_admin):
    ventes = folder_named(company, "Ventes")
    switch(ventes, upflow, "on", actor=firm_admin)
    switch(ventes, inqom, "on", destination="ventes", actor=firm_admin)
    document = deposit_pdf(ventes, actor=firm_admin)
    sent_to = sorted(Delivery.objects.filter(document=document).values_list("app_slug", "destination__address"))
    assert sent_to == [("inqom", "vente.boulangerie@inqombox.com"), ("upflow", "factures.boulangerie@upflow.example")]


def test_multi_destination_app_sends_each_folder_to_its_own_address(company, inqom, firm_admin):
    switch(folder_named(company, "Achats"), inqom, "on", destination="achats", actor=firm_admin)
    switch(folder_named(company, "Ventes"), inqom, "on", destination="ventes", actor=firm_admin)
    bought = deposit_pdf(folder_named(company, "Achats"), name="achat.pdf")
    sold = deposit_pdf(folder_named(company, "Ventes"), name="vente.pdf")
    assert Delivery.objects.get(document=bought).destination.address == "achat.boulangerie@inqombox.com"
    assert Delivery.objects.get(document=sold).destination.address == "vente.boulangerie@inqombox.com"


def _docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/'
                         'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_unsupported_type_gets_a_skipped_delivery_with_reason(company, upflow, firm_admin):
    ventes = folder_named(company, "Ventes")
    switch(ventes, upflow, "on", actor=firm_admin)
    document = document_deposit(folder=ventes, file=ContentFile(_docx_bytes()), channel="web", actor=firm_admin,
                                 filename="devis.docx")
    delivery = Delivery.objects.get(document=document)
    assert delivery.status == "skipped"
    assert "Upflow n'accepte pas ce type de fichier" in delivery.reason
    assert "PDF" in delivery.reason


def test_too_large_file_is_skipped_with_reason(company, upflow, firm_admin, settings):
    from comptoir.partners.catalogue.upflow import Upflow

    ventes = folder_named(company, "Ventes")
    switch(ventes, upflow, "on", actor=firm_admin)
    original, Upflow.max_size = Upflow.max_size, 10
    try:
        document = deposit_pdf(ventes)
    finally:
        Upflow.max_size = original
    delivery = Delivery.objects.get(document=document)
    assert delivery.status == "skipped" and "taille maximale" in delivery.reason


def test_a_new_pending_delivery_wakes_the_workers_when_the_deposit_commits(company, upflow, firm_admin,
                                                                           django_capture_on_commit_callbacks):
    switch(folder_named(company, "Ventes"), upflow, "on", actor=firm_admin)
    work_wait(0)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        deposit_pdf(folder_named(company, "Ventes"))
    assert not work_wait(0), "nothing is woken before the commit"
    for callback in callbacks:
        callback()
    assert work_wait(0)


def test_a_skipped_delivery_wakes_nobody(company, upflow, firm_admin, django_capture_on_commit_callbacks):
    switch(folder_named(company, "Ventes"), upflow, "on", actor=firm_admin)
    work_wait(0)
    with django_capture_on_commit_callbacks(execute=True):
        deposit_pdf(folder_named(company, "Ventes"), name="notes.txt", content=b"du texte\n")
    assert not work_wait(0)


def test_backfill_sends_what_is_already_there_once(company, upflow, firm_admin):
    from comptoir.partners.selectors import backfill_preview

    ventes = folder_named(company, "Ventes")
    janvier = ventes.children.order_by("position").first()
    avoirs = folder_create(company=company, parent=ventes, name="Avoirs", actor=firm_admin)
    old = [deposit_pdf(ventes, name="a.pdf"), deposit_pdf(janvier, name="b.pdf"), deposit_pdf(avoirs, name="c.pdf")]
    deposit_pdf(folder_named(company, "Achats"), name="elsewhere.pdf")
    switch(ventes, upflow, "on", actor=firm_admin)
    switch(avoirs, upflow, "off", actor=firm_admin)
    assert backfill_preview(folder=ventes, connection=upflow).to_send == 2
    assert deliveries_backfill(folder=ventes, connection=upflow, actor=firm_admin) == 2
    assert set(Delivery.objects.values_list("document", flat=True)) == {old[0].pk, old[1].pk}
    assert set(Delivery.objects.values_list("trigger", flat=True)) == {"backfill"}
    assert backfill_preview(folder=ventes, connection=upflow).total == 0
