"""Who may answer a received e-invoice (see docs/permissions.md).

Firm staff (admins and members) may. A client admin may when the company's setting « les
utilisateurs de l'entreprise répondent aux factures reçues » (`clients_may_answer`) is on; it is off by
default. A client member never may.
"""

from comptoir.accounts.models import User
from comptoir.core.policy import Policy
from comptoir.firms.models import FIRM_ROLES, Company, Role
from comptoir.firms.policy import role_of
from comptoir.ged.models import Document


def clients_may_answer(company: Company) -> bool:
    """The company's setting (issue #22's `clients_may_answer`, `PUT /api/v1/companies/{id}/einvoice/settings`).

    The one place the policy reads it: pointed at the company's setting once it exists; off until then.
    """
    return bool(getattr(company, "clients_may_answer", False))


def _answer(user: User, document: Document) -> bool:
    role = role_of(user)
    if role in FIRM_ROLES:
        return True
    return role == Role.CLIENT_ADMIN and clients_may_answer(document.company)


einvoice_policy = Policy("einvoicing", {
    "einvoice.answer": _answer,
})
