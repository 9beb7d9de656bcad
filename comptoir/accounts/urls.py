from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from comptoir.accounts import views
from comptoir.accounts.forms import LoginForm

app_name = "accounts"
urlpatterns = [
    path("connexion/", auth_views.LoginView.as_view(template_name="accounts/login.html",
                                                    authentication_form=LoginForm, redirect_authenticated_user=True),
         name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("mot-de-passe/", auth_views.PasswordChangeView.as_view(
        template_name="accounts/password_change.html", success_url=reverse_lazy("accounts:password_change_done")),
        name="password_change"),
    path("mot-de-passe/modifie/", auth_views.PasswordChangeDoneView.as_view(
        template_name="accounts/password_change_done.html"), name="password_change_done"),
    path("parametres/", views.account_settings, name="settings"),
    path("parametres/jetons/<int:token_id>/revoquer/", views.api_token_revoke, name="token_revoke"),
    path("entreprises/<int:company_id>/inviter/", views.invitation_new, name="invite"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
