"""Who may do what with partner apps (see docs/permissions.md): the store, connections and switches
are the firm's business; client users never see them (their reads answer 404)."""

from comptoir.core.policy import Policy
from comptoir.firms.models import FIRM_ROLES, Role
from comptoir.firms.policy import role_of


def _staff(user, obj=None) -> bool:
    return role_of(user) in FIRM_ROLES


def _admin(user, obj=None) -> bool:
    return role_of(user) == Role.FIRM_ADMIN


partners_policy = Policy("partners", {
    "store.view": _staff,
    "store.manage": _admin,
    "switch.view": _staff,
    "switch.set": _staff,
    "backfill.run": _admin,
})
