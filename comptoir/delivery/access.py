"""Who may see and act on deliveries (see docs/permissions.md). Named `access` because
`delivery/policy.py` is the retry schedule."""

from django.conf import settings

from comptoir.core.policy import Policy
from comptoir.firms.models import FIRM_ROLES, Role
from comptoir.firms.policy import role_of


def _staff(user, obj=None) -> bool:
    return role_of(user) in FIRM_ROLES


def _anyone(user, obj=None) -> bool:
    return role_of(user) is not None


def _outbox(user, obj=None) -> bool:
    # The local outbox exists only in embedded mode with the SMTP sink; then firm admins read it.
    return bool(settings.EMBEDDED and settings.COMPTOIR_SMTP_SINK) and role_of(user) == Role.FIRM_ADMIN


delivery_access = Policy("delivery", {
    # The badges of a document the user already sees (client users see the ones of their side).
    "delivery.view_on_document": _anyone,
    "history.view": _staff,
    "history.export": _staff,
    "delivery.retry": _staff,
    "delivery.send_anyway": _staff,
    "outbox.view": _outbox,
})
