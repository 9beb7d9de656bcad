"""Who may do what with deposit channels (see docs/permissions.md): the firm decides which senders a
company's mailboxes trust and approves what arrived without proof of its sender."""

from comptoir.core.policy import Policy
from comptoir.firms.models import FIRM_ROLES
from comptoir.firms.policy import role_of


def _staff(user, obj=None) -> bool:
    return role_of(user) in FIRM_ROLES


def _anyone(user, obj=None) -> bool:
    return role_of(user) is not None


intake_policy = Policy("intake", {
    "mailbox.view": _anyone,
    "mailbox_policy.edit": _staff,
    "zip.import": _anyone,
    "quarantine.view": _staff,
    "quarantine.approve": _staff,
    "quarantine.reject": _staff,
})
