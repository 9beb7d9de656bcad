from datetime import timedelta

from django.utils import timezone

from comptoir.accounts.models import ApiToken, User
from comptoir.accounts.services import api_token_hash

# "Last used" is for people reviewing their tokens: a minute's precision is plenty, and skipping the
# write on most requests keeps API deposits from queueing behind it for SQLite's single writer.
LAST_USED_PRECISION = timedelta(minutes=1)


def user_get_by_api_token(*, raw: str) -> User | None:
    token = ApiToken.objects.select_related("user").filter(key_hash=api_token_hash(raw)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
