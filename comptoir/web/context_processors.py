from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from comptoir.firms.selectors import membership_for


def portal(request: HttpRequest) -> dict:
    """The firm's branding (colours, logo, name) and the user's role, for every page."""
    membership = membership_for(getattr(request, "user", None))
    firm = membership.firm if membership else None
    logo_url = ""
    if firm is not None and firm.logo:
        # Served by our own view (media is not public); the name busts caches when the logo changes.
        logo_url = f"{reverse('web:firm_logo')}?v={firm.logo.name.rsplit('/', 1)[-1]}"
    return {
        "membership": membership,
        "firm": firm,
        "firm_logo_url": logo_url,
        "is_firm_staff": bool(membership and membership.is_firm_staff),
        "is_firm_admin": bool(membership and membership.is_firm_admin),
        "embedded_mode": settings.EMBEDDED,
        # The "Boîte d'envoi locale" shows what the embedded SMTP sink caught: only when one runs.
        "local_outbox_enabled": bool(settings.EMBEDDED and settings.COMPTOIR_SMTP_SINK),
    }
