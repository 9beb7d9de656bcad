from django.urls import path

from comptoir.partners.views import connections, receivables, store, switches

app_name = "partners"
urlpatterns = [
    path("dossiers/<int:folder_id>/switches/", switches.folder_switches, name="folder_switches"),
    path("dossiers/<int:folder_id>/switches/<slug:slug>/", switches.folder_switch_update, name="folder_switch_set"),
    path("dossiers/<int:folder_id>/switches/<slug:slug>/envoyer-existants/", switches.folder_backfill,
         name="folder_backfill"),
    path("documents/<int:document_id>/encaissement/", receivables.document_receivable, name="document_receivable"),
    path("entreprises/<int:company_id>/poste-client/", receivables.company_receivables, name="company_receivables"),
    path("entreprises/<int:company_id>/poste-client/visibilite/", receivables.company_receivables_visibility,
         name="company_receivables_visibility"),
    path("", store.store, name="store"),
    path("<slug:slug>/", store.app_detail, name="app_detail"),
    path("<slug:slug>/installer/", store.install, name="install"),
    path("<slug:slug>/retirer/", store.remove, name="remove"),
    path("<slug:slug>/demo/", store.demo_request, name="demo_request"),
    path("<slug:slug>/connexions/", connections.connections, name="connections"),
    path("<slug:slug>/reglages/", connections.app_settings, name="app_settings"),
    path("<slug:slug>/connexions/<int:company_id>/revoquer/", connections.revoke, name="connection_revoke"),
    path("<slug:slug>/connexions/<int:company_id>/dossiers-habituels/", connections.usual_folders_link,
         name="usual_folders_link"),
]
