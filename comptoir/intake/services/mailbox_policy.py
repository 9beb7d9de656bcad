from django.db import transaction

from comptoir.accounts.models import User
from comptoir.core.services import audit_event_record
from comptoir.firms.models import Company
from comptoir.intake.models import MailboxPolicy


@transaction.atomic
def mailbox_policy_set(*, company: Company, allowed_senders: str, actor: User) -> MailboxPolicy:
    """Who may write to the company's collection mailboxes (one address or @domain a line; empty: anyone)."""
    lines = [line.strip().lower() for line in allowed_senders.splitlines() if line.strip()]
    policy, _ = MailboxPolicy.objects.update_or_create(company=company, defaults={
        "allowed_senders": "\n".join(dict.fromkeys(lines)), "updated_by": actor})
    audit_event_record(actor=actor, action="intake.mailbox_policy.set", target=policy, firm_id=company.firm_id,
                       data={"allowed_senders": lines})
    return policy
