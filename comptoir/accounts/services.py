import hashlib
import secrets

from django.db import transaction

from comptoir.accounts.models import ApiToken, User
from comptoir.core.services import audit_event_record

TOKEN_PREFIX = "cpt_"  # noqa: S105 (a prefix, not a secret)


def api_token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str = "API") -> tuple[ApiToken, str]:
    """Create a token for `user`; returns the row and the raw token, which is never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:12], key_hash=api_token_hash(raw))
    audit_event_record(actor=user, action="api_token.create", target=token)
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> None:
    audit_event_record(actor=actor, action="api_token.revoke", target=token)
    token.delete()
