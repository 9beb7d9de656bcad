"""Reads of tenant data, scoped to what a user may see. Anything else is a 404."""

from django.db.models import QuerySet
from django.http import Http404

from comptoir.accounts.models import User
from comptoir.firms.models import CLIENT_ROLES, Company, Firm, Membership


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
