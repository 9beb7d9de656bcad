"""The per-firm login page (`/connexion/<firm-slug>/`): the firm's colours and logo before anyone signs in.

The firm is remembered in a cookie, so the plain login page (after a logout, a reset) stays branded.
"""

import mimetypes

from django.contrib.auth import views as auth_views
from django.http import FileResponse, Http404, HttpRequest, HttpResponse

from comptoir.accounts.forms import LoginForm
from comptoir.firms.selectors import firm_get_by_slug

LOGIN_FIRM_COOKIE = "comptoir_firm"
LOGIN_FIRM_COOKIE_AGE = 365 * 24 * 3600


def firm_login(request: HttpRequest, firm_slug: str) -> HttpResponse:
    firm = firm_get_by_slug(slug=firm_slug)
    if firm is None:
        raise Http404("unknown firm")
    request.login_firm = firm  # read by web.context_processors.portal
    view = auth_views.LoginView.as_view(template_name="accounts/login.html", authentication_form=LoginForm,
                                        redirect_authenticated_user=True)
    response = view(request)
    response.set_cookie(LOGIN_FIRM_COOKIE, firm.slug, max_age=LOGIN_FIRM_COOKIE_AGE, httponly=True, samesite="Lax")
    return response


def firm_login_logo(request: HttpRequest, firm_slug: str) -> HttpResponse:
    """A firm's logo is public: it is what its login page shows to anyone."""
    firm = firm_get_by_slug(slug=firm_slug)
    if firm is None or not firm.logo:
        raise Http404("no logo")
    content_type = mimetypes.guess_type(firm.logo.name)[0] or "application/octet-stream"
    response = FileResponse(firm.logo.open("rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response
