"""Reads of tenant data, scoped to what a user may see. Anything else is a 404."""

from django.db.models import QuerySet
from django.http import Http404

from comptoir.accounts.models import User
from comptoir.firms.models import CLIENT_ROLES, FIRM_ROLES, Company, Firm, Invitation, Membership


def membership_for(user: User) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.membership
    except Membership.DoesNotExist:
        return None


def firm_for_user(*, user: User) -> Firm | None:
    membership = membership_for(user)
    return membership.firm if membership else None


def company_list_for_user(*, user: User) -> QuerySet[Company]:
    membership = membership_for(user)
    if membership is None:
        return Company.objects.none()
    companies = Company.objects.filter(firm_id=membership.firm_id)
    if membership.role in CLIENT_ROLES:
        return companies.filter(pk=membership.company_id)
    if membership.role == "firm_member" and not membership.sees_all_companies:
        return companies.filter(assigned_members=membership)
    return companies


def company_get_for_user(*, user: User, company_id: int) -> Company:
    company = company_list_for_user(user=user).filter(pk=company_id).first()
    if company is None:
        raise Http404("company not found")
    return company


def membership_list_for_company(*, user: User, company: Company) -> QuerySet[Membership]:
    """The people of a company's space: its client users and the firm members assigned to it."""
    company = company_get_for_user(user=user, company_id=company.pk)
    from django.db.models import Q

    return (
        Membership.objects.filter(firm_id=company.firm_id)
        .filter(Q(company=company) | Q(assigned_companies=company))
        .select_related("user")
        .distinct()
        .order_by("role", "user__email")
    )


def invitation_get_pending(*, token: str) -> Invitation:
    """An invitation still usable, by its secret token; 404 otherwise (unknown, used or expired)."""
    from django.utils import timezone

    invitation = (
        Invitation.objects.select_related("firm", "company")
        .filter(token_hash=Invitation.token_hash_of(token), accepted_at__isnull=True, cancelled_at__isnull=True,
                expires_at__gt=timezone.now())
        .first()
    )
    if invitation is None:
        raise Http404("invitation not found")
    return invitation


def membership_get_for_company(*, user: User, company: Company, membership_id: int) -> Membership:
    """A client user of `company` that `user` may see; 404 otherwise (other company, other firm)."""
    company = company_get_for_user(user=user, company_id=company.pk)
    membership = (Membership.objects.select_related("user")
                  .filter(pk=membership_id, company=company, role__in=CLIENT_ROLES).first())
    if membership is None:
        raise Http404("membership not found")
    return membership


def invitation_get_for_company(*, user: User, company: Company, invitation_id: int) -> Invitation:
    """An invitation to `company` not yet accepted nor cancelled (expired ones may be renewed); 404 otherwise."""
    company = company_get_for_user(user=user, company_id=company.pk)
    invitation = Invitation.objects.filter(pk=invitation_id, company=company, accepted_at__isnull=True,
                                           cancelled_at__isnull=True).first()
    if invitation is None:
        raise Http404("invitation not found")
    return invitation


def invitation_list_open_for_company(*, user: User, company: Company) -> QuerySet[Invitation]:
    """Invitations neither accepted nor cancelled, expired ones included (they can be sent again)."""
    company = company_get_for_user(user=user, company_id=company.pk)
    return Invitation.objects.filter(company=company, accepted_at__isnull=True, cancelled_at__isnull=True)


def firm_get_by_slug(*, slug: str) -> Firm | None:
    """The firm of a per-firm login page (`/connexion/<slug>/`): public branding only."""
    return Firm.objects.filter(slug=slug).first()


def two_factor_required_by_firm(user: User) -> bool:
    """Firm staff of a firm that requires a second factor (registered with `accounts`)."""
    membership = membership_for(user)
    return bool(membership and membership.role in FIRM_ROLES and membership.firm.require_two_factor)


def firm_mail_context(user: User) -> dict:
    """A mail to a user (password reset) is in their firm's name."""
    firm = firm_for_user(user=user)
    return {"firm": firm, "sender_name": firm.sender_display_name} if firm else {}


def firm_two_factor_panel(request) -> dict | None:
    """The firm admin's "require two-factor for all staff" switch on "Mon compte"; None for others."""
    from comptoir.firms.policy import firms_policy

    if not firms_policy.can(request.user, "firm.require_two_factor"):
        return None
    firm = firm_for_user(user=request.user)
    return {"firm_requires_two_factor": bool(firm and firm.require_two_factor)}
