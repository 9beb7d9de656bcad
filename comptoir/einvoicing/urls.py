from django.urls import path

from comptoir.einvoicing import views

app_name = "einvoicing"
urlpatterns = [
    path("documents/<int:document_id>/", views.document_einvoice, name="document_einvoice"),
]
