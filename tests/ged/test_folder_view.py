"""The folder view as a person uses it: subfolders with counts, the whole subtree on demand, sorting,
filters, pagination, and columns that read like words rather than MIME types and e-mail addresses."""

import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comptoir.ged.listings import document_filters_read, document_list_filtered, folder_children_counts
from comptoir.ged.models import Document
from comptoir.ged.services import document_trash
from tests.conftest import login
from tests.factories import deposit_pdf, folder_named

pytestmark = pytest.mark.django_db
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _months(company):
    return list(folder_named(company, "Ventes").children.order_by("position"))


def test_ventes_lists_its_months_with_their_counts(company, firm_admin):
    months = _months(company)
    for index in range(3):
        deposit_pdf(months[0], actor=firm_admin, name=f"janvier-{index}.pdf")
    deposit_pdf(months[1], actor=firm_admin, name="fevrier.pdf")
    trashed = deposit_pdf(months[1], actor=firm_admin, name="jete.pdf")
    document_trash(document=trashed, actor=firm_admin)
    ventes = folder_named(company, "Ventes")
    page = login(firm_admin).get(reverse("ged:folder", args=[ventes.pk])).content.decode()
    assert "Ce dossier ne contient aucun document." not in page
    rows = re.findall(r'<tr class="subfolder" data-folder-id="(\d+)">.*?class="count">(\d+)</td>', page, re.S)
    counts = {int(folder_id): int(count) for folder_id, count in rows}
    assert counts[months[0].pk] == 3 and counts[months[1].pk] == 1
    assert len(counts) == len(months)


def test_subtree_counts_come_from_one_aggregate_query(company, firm_admin):
    ventes = folder_named(company, "Ventes")
    months = _months(company)
    for month in months[:4]:
        deposit_pdf(month, actor=firm_admin)
    from comptoir.ged.selectors import folder_list_for_user

    visible = list(folder_list_for_user(user=firm_admin, company=company))
    with CaptureQueriesContext(connection) as queries:
        counts = folder_children_counts(user=firm_admin, folder=ventes, visible=visible)
    assert len(queries) <= 3  # the membership check, and one GROUP BY over the subtree's paths
    assert sum(item.subtree for item in counts) == 4
    annual = ventes.parent
    by_name = {item.folder.name: item for item in folder_children_counts(user=firm_admin, folder=annual,
                                                                         visible=visible)}
    assert by_name["Ventes"].documents == 0 and by_name["Ventes"].subtree == 4


def test_client_counts_never_include_firm_only_folders(company, firm_admin, client_user):
    from comptoir.ged.services import folder_create

    annual = folder_named(company, "Ventes").parent
    firm_only = folder_create(company=company, parent=annual, name="Révision", actor=firm_admin, firm_only=True)
    deposit_pdf(firm_only, actor=firm_admin)
    from comptoir.ged.selectors import folder_list_for_user

    for user, expected in ((firm_admin, 1), (client_user, 0)):
        visible = list(folder_list_for_user(user=user, company=company))
        counts = folder_children_counts(user=user, folder=annual, visible=visible)
        assert sum(item.subtree for item in counts) == expected


def test_include_subfolders_lists_every_invoice_of_ventes(company, firm_admin):
    ventes = folder_named(company, "Ventes")
    names = set()
    for index, month in enumerate(_months(company)):
        names.add(deposit_pdf(month, actor=firm_admin, name=f"facture-{index:02d}.pdf").name)
    deposit_pdf(folder_named(company, "Achats"), actor=firm_admin, name="achat.pdf")
    client = login(firm_admin)
    only_here = client.get(reverse("ged:folder", args=[ventes.pk])).content.decode()
    assert "facture-00.pdf" not in only_here
    whole = client.get(reverse("ged:folder", args=[ventes.pk]), {"sous_dossiers": "1"}).content.decode()
    assert set(re.findall(r'class="doc-name">([^<]+)<', whole)) == names
    # Each row says which month it is in.
    assert "01 –" in whole.split('class="doc-name">facture-00.pdf')[1].split("</td>")[0]


def test_sort_by_name_size_and_date(company, firm_admin):
    month = _months(company)[0]
    deposit_pdf(month, actor=firm_admin, name="b.pdf", content=b"%PDF-1.4\n" + b"x" * 500)
    deposit_pdf(month, actor=firm_admin, name="a.pdf", content=b"%PDF-1.4\n" + b"x" * 10)
    deposit_pdf(month, actor=firm_admin, name="c.pdf", content=b"%PDF-1.4\n" + b"x" * 100)
    client = login(firm_admin)

    def order(sort):
        page = client.get(reverse("ged:folder", args=[month.pk]), {"tri": sort}).content.decode()
        return re.findall(r'class="doc-name">([^<]+)<', page)

    assert order("nom") == ["a.pdf", "b.pdf", "c.pdf"]
    assert order("-nom") == ["c.pdf", "b.pdf", "a.pdf"]
    assert order("-taille") == ["b.pdf", "c.pdf", "a.pdf"]
    assert order("-date") == ["c.pdf", "a.pdf", "b.pdf"]
    assert order("n'importe quoi") == order("-date")


def test_filters_by_channel_depositor_type_and_date(company, firm_admin, client_user):
    from django.core.files.base import ContentFile

    from comptoir.ged.services import document_deposit

    month = _months(company)[0]
    deposit_pdf(month, actor=firm_admin, name="web-admin.pdf")
    deposit_pdf(month, actor=client_user, name="api-client.pdf", channel="api")
    document_deposit(folder=month, file=ContentFile(PNG_BYTES, name="photo.png"), channel="phone",
                     actor=client_user, filename="photo.png")

    def names(**params):
        return {d.name for d in document_list_filtered(user=firm_admin, folder=month,
                                                         filters=document_filters_read(params))}

    assert names(canal="api") == {"api-client.pdf"}
    assert names(depose_par=str(client_user.pk)) == {"api-client.pdf", "photo.png"}
    assert names(type="image/png") == {"photo.png"}
    from django.utils import timezone

    today = timezone.localdate()
    assert len(names(du=today.isoformat(), au=today.isoformat())) == 3
    assert names(au=(today - timezone.timedelta(days=1)).isoformat()) == set()
    assert len(names(du="hier", canal="fax", depose_par="x")) == 3  # what does not parse is ignored
    page = login(firm_admin).get(reverse("ged:folder", args=[month.pk]), {"canal": "phone"}).content.decode()
    assert re.findall(r'class="doc-name">([^<]+)<', page) == ["photo.png"]


def test_columns_show_the_depositors_name_a_human_type_and_sizes_in_mo(company, firm_admin):
    firm_admin.full_name = "Alice Martin"
    firm_admin.save(update_fields=["full_name"])
    month = _months(company)[0]
    deposit_pdf(month, actor=firm_admin, name="gros.pdf", content=b"%PDF-1.4\n" + b"x" * (3 * 1024 * 1024))
    page = login(firm_admin).get(reverse("ged:folder", args=[month.pk])).content.decode()
    row = page.split('class="doc-name">gros.pdf')[1].split("</tr>")[0]
    assert "Alice Martin" in row and "admin@alpha.fr" not in row
    assert '<span class="badge">PDF</span>' in row
    assert "3,0 Mo" in row and "application/pdf" not in row


def test_a_big_folder_is_paginated(company, firm_admin):
    month = _months(company)[0]
    template = deposit_pdf(month, actor=firm_admin, name="modele.pdf")
    fields = {f.attname: getattr(template, f.attname) for f in Document._meta.concrete_fields if f.attname != "id"}
    Document.objects.bulk_create([Document(**{**fields, "name": f"lot-{index:05d}.pdf", "lineage": uuid.uuid4()})
                                  for index in range(120)])
    client = login(firm_admin)
    first = client.get(reverse("ged:folder", args=[month.pk]), {"tri": "nom"}).content.decode()
    assert len(re.findall(r'class="doc-name"', first)) == 50
    assert "Page 1 sur 3 (121 documents)" in first
    third = client.get(reverse("ged:folder", args=[month.pk]), {"tri": "nom", "page": 3}).content.decode()
    assert len(re.findall(r'class="doc-name"', third)) == 21 and "modele.pdf" in third


def test_list_poll_answers_204_until_something_changes(company, firm_admin):
    month = _months(company)[0]
    deposit_pdf(month, actor=firm_admin, name="premier.pdf")
    client = login(firm_admin)
    url = reverse("ged:folder_documents", args=[month.pk])
    stamp = re.search(r'data-stamp="(\w+)"', client.get(url).content.decode()).group(1)
    assert client.get(url, {"stamp": stamp}).status_code == 204
    deposit_pdf(month, actor=firm_admin, name="second.pdf")
    changed = client.get(url, {"stamp": stamp})
    assert changed.status_code == 200 and "second.pdf" in changed.content.decode()


def test_list_poll_sends_only_the_rows_that_changed(company, firm_admin):
    from comptoir.ged.services import document_rename

    month = _months(company)[0]
    first = deposit_pdf(month, actor=firm_admin, name="premier.pdf")
    deposit_pdf(month, actor=firm_admin, name="second.pdf")
    client = login(firm_admin)
    url = reverse("ged:folder_documents", args=[month.pk])
    page = client.get(url).content.decode()
    stamp = re.search(r'data-stamp="(\w+)"', page).group(1)
    rows = ",".join(f"{doc_id}:{row}" for doc_id, row in re.findall(r'data-document-id="(\d+)" data-row-stamp="(\w+)"',
                                                                    page))
    document_rename(document=first, name="renomme.pdf", actor=firm_admin)
    changed = client.get(url, {"stamp": stamp, "rows": rows})
    body = changed.content.decode()
    assert changed.status_code == 200 and changed["HX-Reswap"] == "none" and changed["X-List-Stamp"] != stamp
    assert body.count("<tr ") == 1 and 'hx-swap-oob="true"' in body and "renomme.pdf" in body
    assert "second.pdf" not in body  # unchanged: not sent again
    # Another set of rows (one more document): the whole list, as before.
    deposit_pdf(month, actor=firm_admin, name="troisieme.pdf")
    whole = client.get(url, {"stamp": stamp, "rows": rows}).content.decode()
    assert 'id="documents"' in whole and whole.count('class="doc-row"') == 3


def test_a_rows_panels_are_in_the_page_not_loaded_per_row(company, firm_admin):
    from tests.invoices import corpus

    month = _months(company)[0]
    deposit_pdf(month, actor=firm_admin, name="facture.pdf", content=corpus.facturx_pdf(corpus.Invoice()))
    page = login(firm_admin).get(reverse("ged:folder", args=[month.pk])).content.decode()
    assert 'data-panel="invoice"' in page and "n° F-2027-001" in page
    assert 'hx-trigger="revealed"' not in page  # no request per row


def test_the_folder_view_in_english(company, firm_admin, settings):
    month = _months(company)[0]
    deposit_pdf(month, actor=firm_admin, name="big.pdf", content=b"%PDF-1.4\n" + b"x" * (2 * 1024 * 1024))
    client = login(firm_admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("ged:folder", args=[folder_named(company, "Ventes").pk]),
                      {"sous_dossiers": "1"}).content.decode()
    assert "Include subfolders" in page and "2.0 MB" in page and "1 document" in page


def test_a_rows_menu_is_loaded_when_opened_with_full_paths(company, firm_admin):
    month = _months(company)[0]
    document = deposit_pdf(month, actor=firm_admin, name="menu.pdf")
    client = login(firm_admin)
    page = client.get(reverse("ged:folder", args=[month.pk])).content.decode()
    assert reverse("ged:document_menu", args=[document.pk]) in page and "<option" not in page.split("bulk-target")[2]
    menu = client.get(reverse("ged:document_menu", args=[document.pk])).content.decode()
    assert reverse("ged:document_rename", args=[document.pk]) in menu
    assert f"/ Achats / {_months(company)[0].name}</option>" in menu


def test_rows_escape_what_people_typed(company, firm_admin):
    firm_admin.full_name = 'Alice <script>alert("x")</script>'
    firm_admin.save(update_fields=["full_name"])
    month = _months(company)[0]
    document = deposit_pdf(month, actor=firm_admin, name="Devis & facture 'été'.pdf")
    page = login(firm_admin).get(reverse("ged:folder", args=[month.pk])).content.decode()
    row = page.split('class="doc-row"')[1].split("</tr>")[0]
    assert "&" in document.name and "<script>" not in row
    assert 'class="doc-name">Devis &amp; facture &#x27;été&#x27;.pdf<' in row
    assert 'aria-label="Sélectionner Devis &amp; facture &#x27;été&#x27;.pdf"' in row
    assert "Alice &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in row
