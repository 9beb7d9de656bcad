"""Who may do what with document requests, in one place."""

from comptoir.accounts.models import User
from comptoir.docrequests.models import DocumentRequest
from comptoir.firms.policy import is_firm_staff
from comptoir.firms.selectors import membership_for


def can_manage_requests(user: User) -> bool:
    """Create, review, close and send back requests; manage templates: the firm's staff."""
    return is_firm_staff(user)


def can_answer(user: User, request: DocumentRequest) -> bool:
    """Answer a request: a client user of its company (addressed or not), or the firm on their behalf."""
    membership = membership_for(user)
    if membership is None or membership.firm_id != request.firm_id:
        return False
    return membership.is_firm_staff or membership.company_id == request.company_id
