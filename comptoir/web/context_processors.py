from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from comptoir.firms.models import Firm
from comptoir.firms.selectors import firm_get_by_slug, membership_for


def _remembered_firm(request: HttpRequest) -> Firm | None:
    slug = request.COOKIES.get("comptoir_firm", "")
    return firm_get_by_slug(slug=slug) if slug else None


def portal(request: HttpRequest) -> dict:
    """The firm's branding (colours, logo, name) and the user's role, for every page."""
    membership = membership_for(getattr(request, "user", None))
    firm = membership.firm if membership else None
    logo_url = ""
    if firm is not None and firm.logo:
        # Served by our own view (media is not public); the name busts caches when the logo changes.
        logo_url = f"{reverse('web:firm_logo')}?v={firm.logo.name.rsplit('/', 1)[-1]}"
    elif firm is None:
        # Before signing in: the firm of a per-firm login page, or the one remembered from it.
        firm = getattr(request, "login_firm", None) or _remembered_firm(request)
        if firm is not None and firm.logo:
            logo_url = (f"{reverse('web:firm_login_logo', args=[firm.slug])}"
                        f"?v={firm.logo.name.rsplit('/', 1)[-1]}")
    return {
        "membership": membership,
        "firm": firm,
        "firm_logo_url": logo_url,
        "is_firm_staff": bool(membership and membership.is_firm_staff),
        "is_firm_admin": bool(membership and membership.is_firm_admin),
        # A client user's « Poste client », in the main menu only while the firm shows it to the company.
        "client_receivables_company_id": (membership.company_id if membership and not membership.is_firm_staff
                                          and membership.company_id and membership.company.receivables_client_visible
                                          else None),
        "embedded_mode": settings.EMBEDDED,
        # The "Boîte d'envoi locale" shows what the embedded SMTP sink caught: only when one runs.
        "local_outbox_enabled": bool(settings.EMBEDDED and settings.COMPTOIR_SMTP_SINK),
    }
