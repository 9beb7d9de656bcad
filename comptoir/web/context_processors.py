from django.conf import settings
from django.http import HttpRequest

from comptoir.firms.selectors import membership_for


def portal(request: HttpRequest) -> dict:
    """The firm's branding (colours, logo, name) and the user's role, for every page."""
    membership = membership_for(getattr(request, "user", None))
    return {
        "membership": membership,
        "firm": membership.firm if membership else None,
        "is_firm_staff": bool(membership and membership.is_firm_staff),
        "is_firm_admin": bool(membership and membership.is_firm_admin),
        "embedded_mode": settings.EMBEDDED,
    }
