from django.urls import path

from comptoir.intake import views

app_name = "intake"
urlpatterns = [
    path("entreprises/<int:company_id>/boites/", views.company_mailboxes_panel, name="company_mailboxes"),
    path("entreprises/<int:company_id>/expediteurs/", views.mailbox_policy_edit, name="mailbox_policy"),
    path("entreprises/<int:company_id>/a-valider/", views.quarantine_list, name="quarantine"),
    path("a-valider/<int:quarantine_id>/", views.quarantine_decide, name="quarantine_decide"),
    path("dossiers/<int:folder_id>/zip/", views.zip_panel, name="zip_panel"),
    path("dossiers/<int:folder_id>/zip/envoyer/", views.zip_upload, name="zip_upload"),
    path("zip/<int:zip_import_id>/", views.zip_progress, name="zip_progress"),
    path("dossiers/<int:folder_id>/ajouter/", views.phone_panel, name="phone_panel"),
    path("dossiers/<int:folder_id>/ajouter/envoyer/", views.phone_upload, name="phone_upload"),
]
