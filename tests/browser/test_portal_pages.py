"""The portal's front door, in a real browser: an invitation from the local outbox to the GED, the
dashboard's news and « à traiter », the branded 404, phones at 360 px, and the English UI.

Its own `comptoir serve` runs with the local SMTP sink (what a newcomer gets), so emails to people
land in the "Boîte d'envoi locale" and the link in the invitation is followed from there.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Role, fresh_firm, server_instance, serving
from tests.browser.seed import ADMIN_EMAIL, ADMIN_PASSWORD, PRIMARY, pdf_bytes
from tests.catalogue import french_strings
from tests.sites import site_from_template

pytestmark = pytest.mark.browser

INVITEE = "nouvelle@boulangerie-alpha.fr"
INVITEE_PASSWORD = "Invitee-Solide-2026!"
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
# What a skipped oversize invoice needs: bigger than Upflow's 25 Mo.
OVERSIZE_SNIPPET = """
import io
from comptoir.firms.models import Company, Membership
from comptoir.ged.models import Folder
from comptoir.ged.services import document_deposit
from comptoir.partners.services import connection_set, folder_switch_set, installation_create
company = Company.objects.get(pk={company_id})
admin = Membership.objects.get(firm=company.firm, role="firm_admin").user
installation = installation_create(firm=company.firm, slug="upflow", actor=admin)
connection = connection_set(installation=installation, company=company,
                            destinations={{"collection": "factures@upflow.example"}}, actor=admin)
ventes = Folder.objects.get(company=company, role="ventes", deleted_at__isnull=True)
folder_switch_set(folder=ventes, connection=connection, state="on", actor=admin)
body = b"%PDF-1.4\\n" + b"0" * (26 * 1024 * 1024) + b"\\n%%EOF\\n"
document_deposit(folder=ventes, file=io.BytesIO(body), channel="web", actor=admin, filename="facture-28-mo.pdf")
"""


@pytest.fixture(scope="module")
def comptoir(tmp_path_factory, migrated_template):
    """Another configuration, so a `comptoir serve --no-demo` of its own (free ports, a copy of the
    migrated template): the local SMTP sink on, as a newcomer gets it, and no COMPTOIR_BASE_URL,
    which `serve` must set to where it listens, for the invitation's link."""
    data_dir = site_from_template(migrated_template, tmp_path_factory.mktemp("comptoir-portal"))
    instance, port = server_instance(data_dir)  # the embedded defaults: the sink on, on a free port
    with serving(instance, port) as server:
        yield fresh_firm(server)


@pytest.fixture(scope="module")
def invitee(request, browser, comptoir):
    yield from _make_role(request, browser, comptoir, "invitee", **PHONE)


@pytest.fixture(scope="module")
def phone_admin(request, browser, comptoir):
    yield from _make_role(request, browser, comptoir, "phone-admin", **PHONE)


def _make_role(request, browser, comptoir, name, **options):
    role = Role(browser, name=name, base_url=comptoir.url, **options)
    yield role
    role.close(failed=False)


def _menu(page, entry: str) -> None:
    topbar = page.get_by_role("navigation", name="Navigation principale")
    topbar.get_by_text("Paramètres", exact=True).click()
    topbar.get_by_role("link", name=entry, exact=True).click()


def test_invitation_from_the_local_outbox_to_the_companys_ged(admin, invitee, comptoir):
    admin.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    page = admin.page
    # « Modifier » then « Enregistrer » untouched: the date pickers hold the fiscal year (ISO values).
    page.goto(f"/entreprises/{comptoir.seed['company_id']}/modifier/")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", page.get_by_label("Début d'exercice").input_value())
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Les informations de l'entreprise sont enregistrées.")) \
        .to_be_visible()
    page.goto(f"/entreprises/{comptoir.seed['company_id']}/")
    page.get_by_label("Adresse e-mail").fill(INVITEE)
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.get_by_text(f"Invitation envoyée à {INVITEE}")).to_be_visible()

    _menu(page, "Boîte d'envoi locale")
    row = page.locator("tr").filter(has_text=INVITEE)
    expect(row).to_contain_text("Cabinet Alpha vous invite sur son portail")  # "&", not "&amp;"
    row.get_by_text("Lire le message").click()
    link = row.locator("a[href*='/comptes/invitation/']")
    href = link.get_attribute("href")
    assert href.startswith(comptoir.url + "/comptes/invitation/"), href  # where the server really listens

    invitee.page.goto(href)
    invitee.page.get_by_label("Nom complet").fill("Nina Nouvelle")
    invitee.page.locator("#id_password1").fill(INVITEE_PASSWORD)
    invitee.page.locator("#id_password2").fill(INVITEE_PASSWORD)
    invitee.page.get_by_role("button", name=re.compile("Activer|Créer")).click()
    # Lands in the company's documents, not on a list of one company.
    expect(invitee.page.get_by_role("heading", level=1, name=re.compile("Dossier comptable annuel"))).to_be_visible()
    assert "/ged/dossier/" in invitee.page.url


def test_a_client_deposit_shows_on_the_dashboard_with_a_dot_that_clears_after_a_visit(admin, invitee, comptoir):
    from tests.browser.test_upflow_walk import _open_folder, _upload

    page = invitee.page
    page.get_by_role("button", name=re.compile("Dossiers")).click()
    _open_folder(page, "Achats")
    _upload(page, "releve-client.pdf", pdf_bytes("dépôt client"))

    admin.page.goto("/")
    news = admin.page.get_by_role("region", name="Nouveaux dépôts des clients")
    expect(news).to_contain_text(comptoir.seed["company_name"])
    expect(news).to_contain_text("1 nouveau document")
    health = admin.page.locator(".health-line").filter(has_text=comptoir.seed["company_name"])
    expect(health.locator(".dot")).to_have_count(1)
    admin.screenshot("07-dashboard.png")

    health.get_by_role("link", name=comptoir.seed["company_name"]).click()
    expect(admin.page.get_by_role("heading", level=1, name=re.compile("Dossier comptable annuel"))).to_be_visible()
    # In the tree, a dot on Achats (what the client deposited) until the firm opens it; not on Ventes.
    tree = admin.page.get_by_role("tree")
    achats_dot = tree.locator("a:text-is('Achats') + .tree-news")
    expect(achats_dot).to_have_count(1)
    expect(tree.locator("a:text-is('Ventes') + .tree-news")).to_have_count(0)
    _open_folder(admin.page, "Achats")
    expect(achats_dot).to_have_count(0)
    admin.page.go_back()
    admin.page.reload()
    expect(admin.page.get_by_role("heading", level=1, name=re.compile("Dossier comptable annuel"))).to_be_visible()
    expect(achats_dot).to_have_count(0)
    admin.page.goto("/")
    expect(admin.page.locator(".health-line").filter(has_text=comptoir.seed["company_name"]).locator(".dot")
           ).to_have_count(0)
    expect(admin.page.get_by_role("region", name="Nouveaux dépôts des clients")).to_contain_text(
        "Aucun nouveau dépôt")


def test_a_skipped_oversize_invoice_is_under_a_traiter(admin, comptoir):
    comptoir.manage("shell", "-c", OVERSIZE_SNIPPET.format(company_id=comptoir.seed["company_id"]))
    admin.page.goto("/")
    todo = admin.page.get_by_role("region", name="À traiter")
    item = todo.locator(".attention-item").filter(has_text="facture-28-mo.pdf")
    expect(item).to_contain_text("ignoré")
    expect(item).to_contain_text(re.compile(r"dépasse la taille maximale acceptée par Upflow \(25\s*Mo\)"))
    expect(item.get_by_role("link", name="Voir le document")).to_be_visible()


def test_the_404_page_is_french_and_in_the_firms_colours(admin):
    response = admin.page.goto("/nulle-part/")
    assert response.status == 404
    expect(admin.page.get_by_role("heading", level=1, name="Page introuvable")).to_be_visible()
    r, g, b = (int(PRIMARY[i:i + 2], 16) for i in (1, 3, 5))
    expect(admin.page.locator("header.topbar")).to_have_css("background-color", f"rgb({r}, {g}, {b})")
    expect(admin.page.get_by_role("link", name="Retour à l'accueil")).to_be_visible()


def _pages(comptoir) -> list[str]:
    company, ventes = comptoir.seed["company_id"], comptoir.seed["ventes_id"]
    return ["/", "/entreprises/", f"/entreprises/{company}/", f"/entreprises/{company}/modifier/",
            "/entreprises/nouvelle/", f"/ged/dossier/{ventes}/", f"/ged/entreprise/{company}/corbeille/",
            "/applications/", "/applications/upflow/", "/applications/upflow/connexions/",
            "/envois/applications/upflow/",
            "/envois/boite-locale/", "/comptes/parametres/", "/parametres/cabinet/", "/parametres/resume/",
            "/nulle-part/"]


def _overflow(page) -> dict:
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > width + 1)
          .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ')[0] : ''));
        return {scroll: document.documentElement.scrollWidth, width, wide};
    }""")


def test_no_page_overflows_a_360_px_phone(phone_admin, invitee, comptoir):
    phone_admin.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    problems = []
    for role, paths in ((phone_admin, _pages(comptoir)), (invitee, ["/", "/comptes/parametres/"])):
        for path in paths:
            response = role.page.goto(path)
            if response.status not in (200, 404):
                continue  # a page this role may not see (the test of access is elsewhere)
            measure = _overflow(role.page)
            if measure["scroll"] > measure["width"]:
                problems.append(f"{role.name} {path}: scrollWidth {measure['scroll']} > {measure['width']} "
                                f"({', '.join(measure['wide'])})")
    phone_admin.page.goto("/")
    phone_admin.screenshot("08-dashboard-phone.png")
    assert not problems, "\n".join(problems)


def test_the_english_ui_shows_no_french_string(admin, comptoir):
    page = admin.page
    page.goto("/")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()
    from comptoir.ged.folder_templates import ANNUAL_SUBFOLDERS, FIRM_ONLY_FOLDERS

    # Folder names are the firm's data, laid down in French (like company names), not UI text.
    french = french_strings() - {spec.name for spec in ANNUAL_SUBFOLDERS + FIRM_ONLY_FOLDERS}
    found = []
    for path in _pages(comptoir):
        page.goto(path)
        text = page.evaluate("() => document.body.innerText").replace("\u00a0", " ").replace("\u202f", " ")
        found += [f"{path}: « {msgid} »" for msgid in french if msgid in text]
    page.get_by_role("button", name="Français").click()
    assert not found, "French on English pages:\n" + "\n".join(sorted(set(found)))
