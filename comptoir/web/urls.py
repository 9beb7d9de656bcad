from django.urls import path

from comptoir.web.views import companies, firm_settings

app_name = "web"
urlpatterns = [
    path("", companies.home, name="home"),
    path("entreprises/nouvelle/", companies.company_new, name="company_new"),
    path("entreprises/<int:company_id>/", companies.company_detail, name="company"),
    path("parametres/cabinet/", firm_settings.firm_settings, name="firm_settings"),
    path("cabinet/logo/", firm_settings.firm_logo, name="firm_logo"),
]
