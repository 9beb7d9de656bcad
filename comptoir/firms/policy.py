"""Who may do what, in one place. Views and services ask here instead of checking roles themselves."""

from comptoir.accounts.models import User
from comptoir.firms.models import Role
from comptoir.firms.selectors import membership_for


def is_firm_staff(user: User) -> bool:
    membership = membership_for(user)
    return bool(membership and membership.is_firm_staff)


def is_firm_admin(user: User) -> bool:
    membership = membership_for(user)
    return bool(membership and membership.role == Role.FIRM_ADMIN)


def can_manage_companies(user: User) -> bool:
    return is_firm_admin(user)


def can_invite(user: User) -> bool:
    membership = membership_for(user)
    return bool(membership and membership.role in {Role.FIRM_ADMIN, Role.FIRM_MEMBER, Role.CLIENT_ADMIN})


def can_see_firm_only_folders(user: User) -> bool:
    return is_firm_staff(user)


def can_manage_folders(user: User) -> bool:
    """Create, rename, move and delete folders."""
    membership = membership_for(user)
    return bool(membership and membership.role in {Role.FIRM_ADMIN, Role.FIRM_MEMBER, Role.CLIENT_ADMIN})
