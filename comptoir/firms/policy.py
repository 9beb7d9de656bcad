"""Who may do what with firms, companies and people, in one place (see docs/permissions.md).

`firms_policy.can(user, "member.invite")` answers for this area; the role helpers below are what
every other area's policy builds on, so the roles are read in one place.
"""

from comptoir.accounts.models import User
from comptoir.core.policy import Policy
from comptoir.firms.models import CLIENT_ROLES, FIRM_ROLES, Company, Role
from comptoir.firms.selectors import membership_for


def role_of(user: User) -> str | None:
    """The user's role in their firm's portal, or None (no membership, anonymous)."""
    membership = membership_for(user)
    return membership.role if membership else None


def user_is_client_of(user: User | None, company_id: int) -> bool:
    """True when `user` is a client user (admin or member) of that company."""
    membership = membership_for(user) if user is not None else None
    return bool(membership and membership.role in CLIENT_ROLES and membership.company_id == company_id)


def is_firm_staff(user: User) -> bool:
    return role_of(user) in FIRM_ROLES


def is_firm_admin(user: User) -> bool:
    return role_of(user) == Role.FIRM_ADMIN


def may_act_on_invoices(user: User, company: Company | None) -> bool:
    """Complete a company's invoice data (and answer its received e-invoices): the staff of the company's
    firm; an administrator of that company only where the firm allows it (`Company.clients_may_answer`);
    a client member never. The one rule for every invoice action, so they cannot drift apart."""
    membership = membership_for(user)
    if membership is None or company is None or membership.firm_id != company.firm_id:
        return False
    if membership.is_firm_staff:
        return True
    return membership.role == Role.CLIENT_ADMIN and membership.company_id == company.pk and company.clients_may_answer


def _roles(*roles: str):
    allowed = set(roles)
    return lambda user, obj=None: role_of(user) in allowed


firms_policy = Policy("firms", {
    "company.create": _roles(Role.FIRM_ADMIN),
    "member.invite": _roles(Role.FIRM_ADMIN, Role.FIRM_MEMBER, Role.CLIENT_ADMIN),
    "firm.branding": _roles(Role.FIRM_ADMIN),
    "firm.require_two_factor": _roles(Role.FIRM_ADMIN),
    "folder.see_firm_only": _roles(Role.FIRM_ADMIN, Role.FIRM_MEMBER),
    "folder.manage": _roles(Role.FIRM_ADMIN, Role.FIRM_MEMBER, Role.CLIENT_ADMIN),
    "company.edit": _roles(Role.FIRM_ADMIN),
    "member.manage": _roles(Role.FIRM_ADMIN, Role.FIRM_MEMBER, Role.CLIENT_ADMIN),
    # Company.clients_may_answer (whether its administrators act on its invoices): the firm decides.
    "company.einvoice_settings": _roles(Role.FIRM_ADMIN, Role.FIRM_MEMBER),
})


def can_manage_companies(user: User) -> bool:
    return firms_policy.can(user, "company.create")


def can_invite(user: User) -> bool:
    return firms_policy.can(user, "member.invite")


def can_see_firm_only_folders(user: User) -> bool:
    return firms_policy.can(user, "folder.see_firm_only")


def can_manage_folders(user: User) -> bool:
    """Create folders (and, within `ged_policy`'s rules, rename, move and delete them)."""
    return firms_policy.can(user, "folder.manage")


def can_edit_company(user: User, company: Company) -> bool:
    """Name, SIREN/SIRET, fiscal year, archive: the firm's administrators, for their own firm's companies."""
    membership = membership_for(user)
    return bool(membership and membership.firm_id == company.firm_id and firms_policy.can(user, "company.edit"))


def can_manage_members(user: User, company: Company) -> bool:
    """Change a client user's role, remove them, send again or cancel an invitation: the firm's staff,
    or an administrator of that company."""
    membership = membership_for(user)
    if membership is None or membership.firm_id != company.firm_id or not firms_policy.can(user, "member.manage"):
        return False
    return membership.is_firm_staff or membership.company_id == company.pk
