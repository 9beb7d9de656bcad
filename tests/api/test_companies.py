from datetime import date

from comptoir.firms.models import Company
from comptoir.ged.models import Folder
from tests.factories import PDF_BYTES, VALID_SIRENS, CompanyFactory, folder_named


def test_company_list_shows_only_the_companies_the_user_sees(api_as, company, firm_admin, client_user,
                                                             other_company):
    CompanyFactory(firm=company.firm, name="Autre client")
    admin_names = [c["name"] for c in api_as(firm_admin).get("/companies").json()]
    assert admin_names == ["Autre client", "Boulangerie Alpha"]
    client = api_as(client_user).get("/companies")
    assert client.status_code == 200
    assert [c["id"] for c in client.json()] == [company.pk]


def test_firm_admin_creates_a_company_with_its_folder_tree(api_as, firm, firm_admin):
    response = api_as(firm_admin).post("/companies", {
        "name": "Menuiserie Delta", "siren": VALID_SIRENS[0], "siret": "",
        "fiscal_year_start": "2026-07-01", "fiscal_year_end": "2027-06-30",
    })
    assert response.status_code == 201, response.content
    body = response.json()
    company = Company.objects.get(pk=body["id"])
    assert company.firm == firm
    assert body["name"] == "Menuiserie Delta"
    assert body["siren"] == VALID_SIRENS[0]
    assert (body["fiscal_year_start"], body["fiscal_year_end"]) == ("2026-07-01", "2027-06-30")
    assert isinstance(body["mailboxes"], dict)
    assert Folder.objects.filter(company=company, name="Exercice 2026-2027").exists()


def test_company_creation_defaults_to_the_calendar_year(api_as, firm_admin):
    response = api_as(firm_admin).post("/companies", {"name": "Sans dates", "siren": VALID_SIRENS[1]})
    assert response.status_code == 201
    assert response.json()["fiscal_year_start"].endswith("-01-01")


def test_only_firm_admins_create_companies(api_as, firm_member, client_user):
    for user in (firm_member, client_user):
        response = api_as(user).post("/companies", {"name": "Refusée", "siren": VALID_SIRENS[2]})
        assert response.status_code == 403
        assert response.json()["error"] == "forbidden"
        assert "administrateurs du cabinet" in response.json()["detail"]
    assert not Company.objects.filter(name="Refusée").exists()


def test_invalid_siren_is_a_400_with_the_french_message(api_as, firm_admin):
    response = api_as(firm_admin).post("/companies", {"name": "Mauvais", "siren": "123456789"})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert "siren" in body["detail"]
    assert "SIREN" in " ".join(body["detail"]["siren"])
    assert not Company.objects.filter(name="Mauvais").exists()


def test_fiscal_year_ending_before_it_starts_is_refused(api_as, firm_admin):
    response = api_as(firm_admin).post("/companies", {"name": "X", "siren": VALID_SIRENS[3],
                                                      "fiscal_year_start": "2026-06-01",
                                                      "fiscal_year_end": "2026-01-31"})
    assert response.status_code == 400
    assert "fiscal_year_end" in response.json()["detail"]


def test_missing_or_mistyped_fields_are_a_422(api_as, firm_admin):
    api = api_as(firm_admin)
    missing = api.post("/companies", {"siren": VALID_SIRENS[4]})
    assert missing.status_code == 422
    assert missing.json()["error"] == "invalid_request"
    assert any("name" in error["loc"] for error in missing.json()["detail"])
    bad_date = api.post("/companies", {"name": "X", "siren": VALID_SIRENS[4], "fiscal_year_start": "demain"})
    assert bad_date.status_code == 422


def test_company_detail_with_its_collection_mailboxes(api_as, company, client_user):
    response = api_as(client_user).get(f"/companies/{company.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "id": company.pk, "name": "Boulangerie Alpha", "siren": company.siren, "siret": company.siret,
        "fiscal_year_start": company.fiscal_year_start.isoformat(),
        "fiscal_year_end": company.fiscal_year_end.isoformat(), "mailboxes": body["mailboxes"],
    }
    # The addresses documents can be mailed to, e.g. {"achats": "achats+boulangerie-alpha@…"}.
    assert body["mailboxes"], "intake provides company_mailboxes: the API must show them"
    assert all(company.slug in address for address in body["mailboxes"].values())


def test_company_detail_of_unknown_or_other_tenant_company_is_404(api_as, firm_admin, other_company):
    api = api_as(firm_admin)
    for company_id in (other_company.pk, 999999):
        response = api.get(f"/companies/{company_id}")
        assert response.status_code == 404
        assert response.json() == {"error": "not_found", "detail": "Ressource introuvable."}


def test_firm_member_limited_to_assigned_companies_gets_404_elsewhere(api_as, company, firm_member):
    firm_member.membership.sees_all_companies = False
    firm_member.membership.save(update_fields=["sees_all_companies"])
    api = api_as(firm_member)
    assert api.get(f"/companies/{company.pk}").status_code == 404
    firm_member.membership.assigned_companies.add(company)
    assert api.get(f"/companies/{company.pk}").status_code == 200


def test_folder_list_gives_human_paths_in_tree_order(api_as, firm, firm_admin):
    company = CompanyFactory(firm=firm, name="Exercice 2026", fiscal_year_start=date(2026, 1, 1),
                             fiscal_year_end=date(2026, 12, 31))
    folders = api_as(firm_admin).get(f"/companies/{company.pk}/folders").json()
    by_path = {f["path"]: f for f in folders}
    january = by_path["Dossier comptable annuel 2026/Ventes/01 – Janvier 2026"]
    assert january["name"] == "01 – Janvier 2026"
    assert january["parent_id"] == folder_named(company, "Ventes").pk
    assert by_path["Dossier comptable annuel 2026"]["parent_id"] is None
    paths = [f["path"] for f in folders]
    assert paths[:3] == ["Dossier comptable annuel 2026", "Dossier comptable annuel 2026/Achats",
                         "Dossier comptable annuel 2026/Achats/01 – Janvier 2026"]
    assert "Cabinet – Travaux" in paths
    assert len(folders) == Folder.objects.filter(company=company).count()


def test_folder_list_costs_the_same_number_of_queries_whatever_the_tree_size(
        api_as, company, firm_admin, django_assert_max_num_queries):
    api = api_as(firm_admin)
    for index in range(30):
        api.post(f"/companies/{company.pk}/folders", {"name": f"Extra {index}",
                                                      "parent_id": folder_named(company, "Banque").pk})
    with django_assert_max_num_queries(6):
        response = api.get(f"/companies/{company.pk}/folders")
    assert len(response.json()) == Folder.objects.filter(company=company).count()


def test_client_users_never_see_firm_only_folders(api_as, company, client_user):
    paths = [f["path"] for f in api_as(client_user).get(f"/companies/{company.pk}/folders").json()]
    assert paths and not any(path.startswith("Cabinet") for path in paths)
    hidden = Folder.objects.filter(company=company, firm_only=True).first()
    upload = api_as(client_user).upload(f"/folders/{hidden.pk}/documents", "x.pdf", PDF_BYTES)
    assert upload.status_code == 404


def test_create_folder(api_as, company, firm_admin):
    ventes = folder_named(company, "Ventes")
    response = api_as(firm_admin).post(f"/companies/{company.pk}/folders", {"name": "Export", "parent_id": ventes.pk})
    assert response.status_code == 201
    body = response.json()
    assert body["parent_id"] == ventes.pk
    assert body["path"].endswith("/Ventes/Export")
    assert Folder.objects.get(pk=body["id"]).company == company


def test_create_root_folder_and_duplicate_name(api_as, company, client_user):
    api = api_as(client_user)
    created = api.post(f"/companies/{company.pk}/folders", {"name": "Contrats", "parent_id": None})
    assert created.status_code == 201
    assert created.json()["path"] == "Contrats"
    duplicate = api.post(f"/companies/{company.pk}/folders", {"name": "Contrats", "parent_id": None})
    assert duplicate.status_code == 400
    assert "existe déjà" in duplicate.json()["detail"]["name"][0]


def test_client_member_may_not_create_folders_nor_clients_firm_only_ones(api_as, company, client_user):
    api = api_as(client_user)
    response = api.post(f"/companies/{company.pk}/folders", {"name": "Secret", "firm_only": True})
    assert response.status_code == 403
    client_user.membership.role = "client_member"
    client_user.membership.save(update_fields=["role"])
    response = api.post(f"/companies/{company.pk}/folders", {"name": "Perso"})
    assert response.status_code == 403
    assert not Folder.objects.filter(name__in=["Secret", "Perso"]).exists()


def test_create_folder_under_another_tenants_folder_is_404(api_as, company, firm_admin, other_company):
    foreign = folder_named(other_company, "Ventes")
    response = api_as(firm_admin).post(f"/companies/{company.pk}/folders", {"name": "X", "parent_id": foreign.pk})
    assert response.status_code == 404
    assert not Folder.objects.filter(name="X").exists()
