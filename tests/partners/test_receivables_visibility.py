"""Who sees a company's « Poste client »: firm staff always; its own users only when the firm shows it
to them (a per-company setting, off by default, else a 404 that reveals nothing); other tenants never."""

import re

import pytest

from comptoir.core.models import AuditEvent
from comptoir.firms.models import Company
from tests.conftest import login
from tests.partners.test_upflow_receivables import push

pytestmark = pytest.mark.django_db


def page_url(company) -> str:
    return f"/applications/entreprises/{company.pk}/poste-client/"


def toggle_url(company) -> str:
    return f"/applications/entreprises/{company.pk}/poste-client/visibilite/"


def links_to_the_page(html: str, company) -> bool:
    return f'href="{page_url(company)}"' in html


def text(response) -> str:
    return re.sub(r"[\u00a0\u202f]", " ", response.content.decode())


def test_the_company_users_see_the_poste_client_only_once_the_firm_shows_it(fake, upflow_api, company, firm_admin,
                                                                            firm_member, client_user):
    push(company, firm_admin, "F-2026-001")
    assert Company.objects.get(pk=company.pk).receivables_client_visible is False, "off by default"
    client = login(client_user)

    assert client.get(page_url(company)).status_code == 404, "off: a 404, not a 403"
    for page in ("/entreprises/", f"/entreprises/{company.pk}/"):
        assert not links_to_the_page(text(client.get(page)), company), f"no link on {page} while off"

    staff = login(firm_member)
    seen = text(staff.get(page_url(company)))
    assert 'data-number="F-2026-001"' in seen, "firm staff always see it"
    assert 'name="client_visible"' in seen and "Seul le cabinet voit cette page." in seen
    assert links_to_the_page(text(staff.get(f"/entreprises/{company.pk}/")), company)

    assert staff.post(toggle_url(company), {"client_visible": "on"}).status_code == 302
    shown = client.get(page_url(company))
    assert shown.status_code == 200 and 'data-number="F-2026-001"' in text(shown)
    assert 'name="client_visible"' not in text(shown), "the client does not get the setting"
    for page in ("/entreprises/", f"/entreprises/{company.pk}/"):
        assert links_to_the_page(text(client.get(page)), company), f"a link on {page} once on"

    assert client.post(toggle_url(company), {}).status_code == 404, "a client user cannot hide (or show) it"
    assert Company.objects.get(pk=company.pk).receivables_client_visible is True

    assert staff.post(toggle_url(company), {}).status_code == 302
    assert client.get(page_url(company)).status_code == 404
    assert not links_to_the_page(text(client.get(f"/entreprises/{company.pk}/")), company)
    assert [e.data for e in AuditEvent.objects.filter(action="company.receivables_visibility_set").order_by("id")] \
        == [{"client_visible": True}, {"client_visible": False}]


def test_other_tenants_and_other_companies_users_never_see_it(company, firm_admin, other_firm_admin,
                                                              other_client_user):
    company.receivables_client_visible = True
    company.save(update_fields=["receivables_client_visible"])
    for stranger in (other_firm_admin, other_client_user):
        browser = login(stranger)
        assert browser.get(page_url(company)).status_code == 404, stranger
        assert browser.post(toggle_url(company), {}).status_code == 404, stranger
    assert Company.objects.get(pk=company.pk).receivables_client_visible is True
    assert login(firm_admin).get(page_url(company)).status_code == 200


def test_the_api_shows_and_sets_the_setting_for_firm_staff_only(company, firm_member, client_user, other_firm_admin,
                                                                api_as):
    url = f"/api/v1/companies/{company.pk}/receivables/visibility"
    staff = api_as(firm_member)
    assert staff.get(f"/companies/{company.pk}/receivables/visibility").json() == {
        "company_id": company.pk, "client_visible": False}

    refused = staff.client.put(url, data={"client_visible": "oui"}, content_type="application/json",
                               headers=staff.headers)
    assert refused.status_code in {400, 422} and set(refused.json()) == {"error", "detail"}
    assert Company.objects.get(pk=company.pk).receivables_client_visible is False

    for outsider in (client_user, other_firm_admin):
        other = api_as(outsider)
        assert other.get(f"/companies/{company.pk}/receivables/visibility").status_code == 404
        put = other.client.put(url, data={"client_visible": True}, content_type="application/json",
                               headers=other.headers)
        assert put.status_code == 404, outsider
    assert Company.objects.get(pk=company.pk).receivables_client_visible is False

    done = staff.client.put(url, data={"client_visible": True}, content_type="application/json",
                            headers=staff.headers)
    assert done.status_code == 200 and done.json() == {"company_id": company.pk, "client_visible": True}
    assert Company.objects.get(pk=company.pk).receivables_client_visible is True
    assert login(client_user).get(page_url(company)).status_code == 200


# --- issue 22, finding 2: the « Poste client » follows the deliveries' visibility rule -------------

def _pushed_into(folder, firm_admin, number: str):
    from decimal import Decimal

    from tests.delivery.conftest import drain
    from tests.invoices import corpus
    from tests.invoices.conftest import deposit

    bill = corpus.Invoice(number=number, seller_siren=folder.company.siren, seller_vat="", due=Decimal("1200.00"))
    document = deposit(folder, corpus.facturx_pdf(bill), name=f"{number}.pdf", actor=firm_admin)
    assert drain() == 1
    return document


def test_a_client_never_sees_the_firm_only_or_trashed_receivables(fake, upflow_api, company, firm_admin,
                                                                  client_user, api_as):
    from comptoir.ged.services import document_copy, document_trash, folder_create
    from comptoir.partners.receivables import receivables_sync
    from tests.delivery.conftest import ventes

    sales = ventes(company)
    internal = folder_create(company=company, parent=sales, name="Interne", actor=firm_admin, firm_only=True)
    hidden = _pushed_into(internal, firm_admin, "F-INTERNE-1")
    _pushed_into(sales, firm_admin, "F-VISIBLE-1")
    trashed = _pushed_into(sales, firm_admin, "F-JETEE-1")
    receivables_sync()
    document_trash(document=trashed, actor=firm_admin)
    shared_copy = document_copy(document=hidden, folder=folder_create(company=company, parent=None, name="Partagé",
                                                                      actor=firm_admin), actor=firm_admin)
    Company.objects.filter(pk=company.pk).update(receivables_client_visible=True)

    staff_page = text(login(firm_admin).get(page_url(company)))
    assert all(f'data-number="{n}"' in staff_page for n in ("F-INTERNE-1", "F-VISIBLE-1", "F-JETEE-1"))
    page = login(client_user).get(page_url(company))
    assert page.status_code == 200
    seen = text(page)
    assert 'data-number="F-VISIBLE-1"' in seen
    assert "F-INTERNE-1" not in seen and "F-JETEE-1" not in seen, "firm-only and trashed rows stay the firm's"
    assert "Interne" not in seen

    # The document's API detail: the copy the client sees shares the lineage of the firm-only original,
    # whose send the client must not learn of.
    assert api_as(firm_admin).get(f"/documents/{shared_copy.pk}").json()["receivable"] is not None
    detail = api_as(client_user).get(f"/documents/{shared_copy.pk}")
    assert detail.status_code == 200 and detail.json()["receivable"] is None
    badge = login(client_user).get(f"/applications/documents/{shared_copy.pk}/encaissement/")
    assert badge.status_code == 200 and "data-state=" not in text(badge)
