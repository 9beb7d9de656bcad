from django.urls import path

from comptoir.web.views import companies, dashboard, errors, firm_settings, lifecycle, login

app_name = "web"
urlpatterns = [
    path("", dashboard.home, name="home"),
    path("entreprises/", companies.company_list, name="companies"),
    path("entreprises/nouvelle/", companies.company_new, name="company_new"),
    path("entreprises/siren/", lifecycle.siren_lookup, name="siren_lookup"),
    path("entreprises/<int:company_id>/", companies.company_detail, name="company"),
    path("entreprises/<int:company_id>/modifier/", lifecycle.company_edit_page, name="company_edit"),
    path("entreprises/<int:company_id>/facturation-electronique/", lifecycle.company_einvoice_settings,
         name="company_einvoice_settings"),
    path("entreprises/<int:company_id>/archiver/", lifecycle.company_archive_view, name="company_archive"),
    path("entreprises/<int:company_id>/reactiver/", lifecycle.company_unarchive_view, name="company_unarchive"),
    path("entreprises/<int:company_id>/membres/<int:membership_id>/role/", lifecycle.member_role,
         name="member_role"),
    path("entreprises/<int:company_id>/membres/<int:membership_id>/retirer/", lifecycle.member_remove,
         name="member_remove"),
    path("entreprises/<int:company_id>/invitations/<int:invitation_id>/renvoyer/", lifecycle.invitation_resend_view,
         name="invitation_resend"),
    path("entreprises/<int:company_id>/invitations/<int:invitation_id>/annuler/", lifecycle.invitation_cancel_view,
         name="invitation_cancel"),
    path("parametres/cabinet/", firm_settings.firm_settings, name="firm_settings"),
    path("parametres/resume/", dashboard.digest_settings, name="digest_settings"),
    path("cabinet/logo/", firm_settings.firm_logo, name="firm_logo"),
    path("connexion/<slug:firm_slug>/", login.firm_login, name="firm_login"),
    path("connexion/<slug:firm_slug>/logo/", login.firm_login_logo, name="firm_login_logo"),
    path("favicon.ico", errors.favicon, name="favicon"),
]
