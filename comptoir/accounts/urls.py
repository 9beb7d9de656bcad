from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from comptoir.accounts import two_factor_views, views
from comptoir.accounts.forms import LoginForm, PasswordResetRequestForm

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
    # Mot de passe oublié: Django's views, our throttled form and French templates.
    path("mot-de-passe-oublie/", views.PasswordResetRequestView.as_view(
        template_name="accounts/password_reset_form.html", form_class=PasswordResetRequestForm,
        email_template_name="accounts/email/password_reset.txt",
        subject_template_name="accounts/email/password_reset_subject.txt",
        success_url=reverse_lazy("accounts:password_reset_done")), name="password_reset"),
    path("mot-de-passe-oublie/envoye/", auth_views.PasswordResetDoneView.as_view(
        template_name="accounts/password_reset_done.html"), name="password_reset_done"),
    path("reinitialiser/<uidb64>/<token>/", views.PasswordResetConfirm.as_view(
        template_name="accounts/password_reset_confirm.html",
        success_url=reverse_lazy("accounts:password_reset_complete")), name="password_reset_confirm"),
    path("reinitialiser/termine/", auth_views.PasswordResetCompleteView.as_view(
        template_name="accounts/password_reset_complete.html"), name="password_reset_complete"),
    # Double authentification (django-otp, TOTP).
    path("double-authentification/", two_factor_views.two_factor_setup, name="two_factor_setup"),
    path("double-authentification/code/", two_factor_views.two_factor_verify, name="two_factor_verify"),
    path("double-authentification/desactiver/", two_factor_views.two_factor_off, name="two_factor_off"),
    path("parametres/", views.account_settings, name="settings"),
    path("parametres/jetons/<int:token_id>/revoquer/", views.api_token_revoke, name="token_revoke"),
]
