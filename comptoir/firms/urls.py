"""Under /comptes/ beside `accounts`' pages (the invitation links already sent keep their address)."""

from django.urls import path

from comptoir.firms import views

app_name = "firms"
urlpatterns = [
    path("double-authentification/cabinet/", views.firm_two_factor_policy, name="firm_two_factor"),
    path("entreprises/<int:company_id>/inviter/", views.invitation_new, name="invite"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
