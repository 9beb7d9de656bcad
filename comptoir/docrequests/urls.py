from django.urls import path

from comptoir.docrequests import views

app_name = "docrequests"
urlpatterns = [
    path("", views.board, name="board"),
    path("a-fournir/", views.to_provide, name="to_provide"),
    path("modeles/", views.templates, name="templates"),
    path("fuseau-horaire/", views.time_zone_set, name="time_zone"),
    path("entreprises/<int:company_id>/nouvelle/", views.create, name="create"),
    path("<int:request_id>/", views.detail, name="detail"),
    path("<int:request_id>/repondre/", views.answer, name="answer"),
    path("<int:request_id>/revue/", views.review, name="review"),
]
