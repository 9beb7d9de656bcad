from django.urls import include, path

urlpatterns = [
    path("", include("comptoir.web.urls")),
    path("comptes/", include("comptoir.accounts.urls")),
    path("comptes/", include("comptoir.firms.urls")),
    path("ged/", include("comptoir.ged.urls")),
    path("factures/", include("comptoir.invoices.urls")),
    path("applications/", include("comptoir.partners.urls")),
    path("envois/", include("comptoir.delivery.urls")),
    path("depots/", include("comptoir.intake.urls")),
    path("demandes/", include("comptoir.docrequests.urls")),
    path("facturation-electronique/", include("comptoir.einvoicing.urls")),
    path("api/v1/", include("comptoir.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("comptoir.ops.urls")),
]

# Error pages in the portal's frame (404 and 403 use the templates of the same name directly).
handler400 = "comptoir.web.views.errors.bad_request"
handler500 = "comptoir.web.views.errors.server_error"
