"""Who may do what, in one place. Views and services ask here instead of checking roles themselves."""

from comptoir.accounts.models import User
from comptoir.firms.models import Company, Role
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


def can_edit_company(user: User, company: Company) -> bool:
    """Name, SIREN/SIRET, fiscal year, archive: the firm's administrators."""
    membership = membership_for(user)
    return bool(membership and membership.role == Role.FIRM_ADMIN and membership.firm_id == company.firm_id)


def can_manage_members(user: User, company: Company) -> bool:
    """Change a client user's role, remove them, send again or cancel an invitation: the firm's staff,
    or an administrator of that company."""
    membership = membership_for(user)
    if membership is None or membership.firm_id != company.firm_id:
        return False
    if membership.is_firm_staff:
        return True
    return membership.role == Role.CLIENT_ADMIN and membership.company_id == company.pk
