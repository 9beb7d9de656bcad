"""Emails about tenants and people. Sent after commit, so a rolled-back invitation never went out."""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from comptoir.accounts.models import User
from comptoir.core.mail import MAIL_SEND_ERRORS, sender_header
from comptoir.firms.models import Company, Invitation
from comptoir.firms.services import invitation_create

logger = logging.getLogger(__name__)


def invitation_email_send(*, invitation_id: int, token: str) -> bool:
    """Send the invitation email; True when the SMTP server took it. Failures are logged, not raised,
    because the invitation itself is already committed and can be sent again."""
    invitation = Invitation.objects.select_related("firm", "company", "invited_by").get(pk=invitation_id)
    link = settings.BASE_URL + reverse("accounts:invitation_accept", args=[token])
    with translation.override(settings.LANGUAGE_CODE):
        context = {"invitation": invitation, "link": link, "firm": invitation.firm}
        subject = render_to_string("firms/email/invitation_subject.txt", context).strip()
        body = render_to_string("firms/email/invitation.txt", context)
    try:
        sender = sender_header(invitation.firm.sender_display_name)
        EmailMessage(subject=subject, body=body, from_email=sender, to=[invitation.email]).send()
    except MAIL_SEND_ERRORS:  # refused, unreachable, timed out, or a header that cannot be encoded
        logger.exception("invitation email to %s failed", invitation.email)
        return False
    return True


@transaction.atomic
def invitation_send(*, company: Company, email: str, role: str, actor: User) -> Invitation:
    """Invite a client user of `company` and email them the link once the invitation is committed."""
    invitation = invitation_create(firm=company.firm, company=company, email=email, role=role, actor=actor)
    token = invitation.token
    transaction.on_commit(lambda: invitation_email_send(invitation_id=invitation.pk, token=token))
    return invitation
