from django.urls import path

from comptoir.delivery import outbox_views, views

app_name = "delivery"
urlpatterns = [
    path("documents/<int:document_id>/badges/", views.document_badges, name="document_badges"),
    path("applications/<slug:app_slug>/", views.history, name="history"),
    path("applications/<slug:app_slug>/graphique/", views.app_chart, name="app_chart"),
    path("applications/<slug:app_slug>/export.csv", views.history_csv, name="history_csv"),
    path("<int:delivery_id>/reessayer/", views.retry, name="retry"),
    path("<int:delivery_id>/envoyer-quand-meme/", views.send_anyway, name="send_anyway"),
    path("boite-locale/", outbox_views.outbox, name="outbox"),
    path("boite-locale/<str:name>/pieces/<int:index>/", outbox_views.outbox_attachment, name="outbox_attachment"),
]
