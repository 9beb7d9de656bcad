"""A company's collection mailboxes: their token, who may deposit through them, what happens to the rest."""

import secrets

from django.db import IntegrityError, transaction

from comptoir.accounts.models import User
from comptoir.core.services import audit_event_record
from comptoir.firms.models import Company
from comptoir.intake.models import MailboxPolicy, UntrustedMail

# No 0/o, 1/l/i: the token is read aloud and typed by suppliers. 10 characters ≈ 50 bits.
TOKEN_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # noqa: S105 - an alphabet, not a secret
TOKEN_LENGTH = 10


def _token_new() -> str:
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


def mailbox_policy_ensure(*, company: Company) -> MailboxPolicy:
    """The company's policy row, created (with a fresh token) on first use; idempotent under concurrency."""
    policy = MailboxPolicy.objects.filter(company=company).first()
    if policy is not None and policy.token:
        return policy
    try:
        with transaction.atomic():
            if policy is None:
                policy = MailboxPolicy.objects.create(company=company, token=_token_new())
            else:
                MailboxPolicy.objects.filter(pk=policy.pk, token__isnull=True).update(token=_token_new())
    except IntegrityError:
        pass  # another process created it first
    return MailboxPolicy.objects.get(company=company)


@transaction.atomic
def mailbox_policy_set(*, company: Company, allowed_senders: str, actor: User,
                       untrusted: str = UntrustedMail.QUARANTINE, accept_slug_only: bool = False) -> MailboxPolicy:
    """Who may deposit by mail (one address or @domain a line, authenticated), and what becomes of the rest."""
    lines = [line.strip().lower() for line in allowed_senders.splitlines() if line.strip()]
    policy = mailbox_policy_ensure(company=company)
    policy.allowed_senders = "\n".join(dict.fromkeys(lines))
    policy.untrusted = UntrustedMail(untrusted)
    policy.accept_slug_only = bool(accept_slug_only)
    policy.updated_by = actor
    policy.save(update_fields=["allowed_senders", "untrusted", "accept_slug_only", "updated_by", "updated_at"])
    audit_event_record(actor=actor, action="intake.mailbox_policy.set", target=policy, firm_id=company.firm_id,
                       data={"allowed_senders": lines, "untrusted": policy.untrusted,
                             "accept_slug_only": policy.accept_slug_only})
    return policy


@transaction.atomic
def mailbox_token_rotate(*, company: Company, actor: User) -> MailboxPolicy:
    """New addresses for every mailbox of the company; the old ones are refused (550) from now on."""
    policy = mailbox_policy_ensure(company=company)
    policy.token = _token_new()
    policy.updated_by = actor
    policy.save(update_fields=["token", "updated_by", "updated_at"])
    audit_event_record(actor=actor, action="intake.mailbox_token.rotate", target=policy, firm_id=company.firm_id)
    return policy


@transaction.atomic
def mailbox_sender_allow(*, company: Company, sender: str, actor: User) -> MailboxPolicy:
    """« Toujours autoriser cet expéditeur »: one more (authenticated) address on the allowed list."""
    sender = (sender or "").strip().strip("<>").lower()
    policy = MailboxPolicy.objects.select_for_update().get(pk=mailbox_policy_ensure(company=company).pk)
    patterns = policy.sender_patterns()
    if sender and sender not in patterns:
        policy.allowed_senders = "\n".join([*patterns, sender])
        policy.updated_by = actor
        policy.save(update_fields=["allowed_senders", "updated_by", "updated_at"])
        audit_event_record(actor=actor, action="intake.mailbox_policy.sender_allow", target=policy,
                           firm_id=company.firm_id, data={"sender": sender})
    return policy
