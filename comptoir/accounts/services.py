import hashlib
import secrets

from django.db import transaction
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

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


@transaction.atomic
def api_tokens_revoke_all(*, user: User, actor: User | None, reason: str) -> int:
    """Every API token of `user` stops working (a password reset, a second factor now required): a token
    is a password of its own, which must not outlive what protected its creation. Returns how many."""
    tokens = list(ApiToken.objects.filter(user=user).values_list("pk", "name"))
    if tokens:
        ApiToken.objects.filter(pk__in=[pk for pk, _name in tokens]).delete()
        audit_event_record(actor=actor, action="api_token.revoke_all", target=user,
                           data={"reason": reason, "tokens": [name for _pk, name in tokens]})
    return len(tokens)


# --- two-factor authentication (django-otp) -------------------------------------------------------

RECOVERY_CODES = 10


def totp_device_start(*, user: User) -> TOTPDevice:
    """The authenticator being enrolled: a fresh unconfirmed TOTP device, reused until it is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Application d'authentification", confirmed=False)


@transaction.atomic
def two_factor_enable(*, user: User, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the enrolment with a code from the app; returns the new recovery codes (shown once),
    or None when the code is wrong."""
    if device.user_id != user.pk or not device.verify_token(code.replace(" ", "")):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=user).delete()
    recovery = StaticDevice.objects.create(user=user, name="Codes de secours", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=recovery, token=code) for code in codes])
    audit_event_record(actor=user, action="two_factor.enable", target=device)
    return codes


@transaction.atomic
def two_factor_disable(*, user: User, actor: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_event_record(actor=actor, action="two_factor.disable", target=user)


@transaction.atomic
def two_factor_verify(*, user: User, code: str):
    """The device (the app's code, or a recovery code, used up) that accepts `code`, or None.
    django-otp's throttling slows down guessing after each failure."""
    code = code.replace(" ", "")
    for device in devices_for_user(user, for_verify=True):
        allowed, _ = device.verify_is_allowed()
        if allowed and device.verify_token(code):
            audit_event_record(actor=user, action="two_factor.verify", target=device)
            return device
    return None


# --- password reset -------------------------------------------------------------------------------


def password_reset_request_record(*, email: str, ip_address: str) -> None:
    """Counted by the throttle (accounts.selectors.password_reset_requests_since), whether or not the
    address has an account."""
    audit_event_record(actor=None, action="password_reset.request",
                       data={"email": email.strip().lower(), "ip": ip_address})
