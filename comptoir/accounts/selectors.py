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


def login_failures_from_address(*, ip_address: str) -> int:
    """Failed logins from one address within the lockout's cool-off, whatever the usernames tried."""
    from axes.models import AccessAttempt
    from django.conf import settings
    from django.db.models import Sum

    since = timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME)
    total = (AccessAttempt.objects.filter(ip_address=ip_address, attempt_time__gte=since)
             .aggregate(n=Sum("failures_since_start"))["n"])
    return total or 0


def user_has_two_factor(*, user: User) -> bool:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def two_factor_required_for(*, user: User) -> bool:
    """Whether a registered rule makes a second factor mandatory (firms: staff of a firm that requires it;
    client users may enable it, never must)."""
    from comptoir.accounts.extensions import two_factor_requirements

    return any(rule(user) for rule in two_factor_requirements)


def password_reset_requests_since(*, hours: int = 1, email: str | None = None, ip_address: str | None = None) -> int:
    from comptoir.core.models import AuditEvent

    events = AuditEvent.objects.filter(action="password_reset.request",
                                       created_at__gte=timezone.now() - timedelta(hours=hours))
    if email is not None:
        events = events.filter(data__email=email.strip().lower())
    if ip_address is not None:
        events = events.filter(data__ip=ip_address)
    return events.count()


def api_token_get_for_user(*, user: User, token_id: int):
    """One of the user's own API tokens; anyone else's is a 404."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(user.api_tokens, pk=token_id)
