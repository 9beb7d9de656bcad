from django.urls import path

from comptoir.invoices import views

app_name = "invoices"
urlpatterns = [
    path("documents/<int:document_id>/facture/", views.document_panel, name="document_panel"),
]
