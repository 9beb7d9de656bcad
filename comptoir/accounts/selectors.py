from django.utils import timezone

from comptoir.accounts.models import ApiToken, User
from comptoir.accounts.services import api_token_hash


def user_get_by_api_token(*, raw: str) -> User | None:
    token = ApiToken.objects.select_related("user").filter(key_hash=api_token_hash(raw)).first()
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
