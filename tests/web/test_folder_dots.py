"""Dots in the GED tree: a folder shows one while it or a folder below it holds client deposits the
person has not seen since they last opened that folder; opening it clears it (issue #17)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comptoir.ged.models import Folder
from tests.conftest import login
from tests.factories import PDF_BYTES, deposit_pdf, folder_named

pytestmark = pytest.mark.django_db
DOT = re.compile(r'data-drop-folder="(\d+)"[^>]*>[^<]*</a><span class="dot tree-news"')


def _dotted(client, folder: Folder) -> set[int]:
    response = client.get(reverse("ged:folder", args=[folder.pk]))
    assert response.status_code == 200
    return {int(folder_id) for folder_id in DOT.findall(response.text)}


def _months(company, name: str) -> list[Folder]:
    return list(Folder.objects.filter(parent=folder_named(company, name)).order_by("position"))


def test_a_client_deposit_dots_the_month_and_ventes_until_the_month_is_opened(admin_client, company, client_user):
    ventes, achats = folder_named(company, "Ventes"), folder_named(company, "Achats")
    annual = ventes.parent
    month = _months(company, "Ventes")[4]
    deposit_pdf(month, actor=client_user, name="facture-novembre.pdf")

    # The annual folder too: the news is below it.
    assert _dotted(admin_client, annual) == {annual.pk, ventes.pk, month.pk}
    assert achats.pk not in _dotted(admin_client, achats)
    # On the month's own page its dot is not drawn (it is being seen), nor Ventes' (nothing else is new).
    assert _dotted(admin_client, month) == set()
    assert _dotted(admin_client, annual) == set()


def test_ventes_keeps_its_dot_while_another_month_has_news(admin_client, company, client_user):
    ventes = folder_named(company, "Ventes")
    first, second = _months(company, "Ventes")[:2]
    deposit_pdf(first, actor=client_user, name="un.pdf")
    deposit_pdf(second, actor=client_user, name="deux.pdf", content=PDF_BYTES + b"2")
    admin_client.get(reverse("ged:folder", args=[first.pk]))
    assert _dotted(admin_client, ventes.parent) == {ventes.parent_id, ventes.pk, second.pk}
    # A new deposit after the visit brings the dot back.
    deposit_pdf(first, actor=client_user, name="trois.pdf", content=PDF_BYTES + b"3")
    assert _dotted(admin_client, ventes.parent) == {ventes.parent_id, ventes.pk, first.pk, second.pk}


def test_dots_are_per_person_and_only_for_client_deposits_shown_to_the_firm(
        admin_client, firm_admin, firm_member, company, client_user):
    month = _months(company, "Achats")[0]
    deposit_pdf(month, actor=firm_admin, name="par-le-cabinet.pdf")
    assert _dotted(admin_client, month.parent.parent) == set()
    deposit_pdf(month, actor=client_user, name="par-le-client.pdf", content=PDF_BYTES + b"c")
    admin_client.get(reverse("ged:folder", args=[month.pk]))
    assert _dotted(admin_client, month.parent.parent) == set()
    assert month.pk in _dotted(login(firm_member), month.parent.parent)
    assert _dotted(login(client_user), month.parent.parent) == set()


def test_the_tree_asks_once_however_many_folders_have_news(admin_client, company, client_user):
    months = _months(company, "Ventes")
    annual = months[0].parent.parent

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(reverse("ged:folder", args=[annual.pk])).status_code == 200
        return len(captured)

    deposit_pdf(months[0], actor=client_user, name="m0.pdf")
    queries()  # the first visit creates the seen marks; later ones update them
    one = queries()
    for index, month in enumerate(months[1:6], start=1):
        deposit_pdf(month, actor=client_user, name=f"m{index}.pdf", content=PDF_BYTES + bytes([index]))
    assert queries() == one
    assert len(_dotted(admin_client, annual)) == 8  # six months, Ventes and the annual folder
