"""Who may do what with partner apps (see docs/permissions.md): the store, connections and switches
are the firm's business; client users never see them (their reads answer 404)."""

from comptoir.core.policy import Policy
from comptoir.firms.models import FIRM_ROLES, Role
from comptoir.firms.policy import may_act_on_invoices, role_of, user_is_client_of
from comptoir.firms.selectors import membership_for


def _staff(user, obj=None) -> bool:
    return role_of(user) in FIRM_ROLES


def _admin(user, obj=None) -> bool:
    return role_of(user) == Role.FIRM_ADMIN


def _staff_of_company(user, company=None) -> bool:
    membership = membership_for(user)
    return bool(membership and membership.is_firm_staff and (company is None or membership.firm_id == company.firm_id))


def _receivables_view(user, company=None) -> bool:
    """« Poste client »: the firm's staff; a client user of the company when the firm shares it with them."""
    if _staff_of_company(user, company):
        return True
    return bool(company is not None and company.receivables_client_visible and user_is_client_of(user, company.pk))


def _invoice_complete(user, document=None) -> bool:
    """Type in the invoice data an API partner needs (« à compléter »), which releases its sends."""
    return document is not None and may_act_on_invoices(user, document.company)


partners_policy = Policy("partners", {
    "store.view": _staff,
    "store.manage": _admin,
    "switch.view": _staff,
    "switch.set": _staff,
    "backfill.run": _admin,
    "receivables.view": _receivables_view,
    "receivables.share": _staff_of_company,
    "invoice.complete": _invoice_complete,
})
