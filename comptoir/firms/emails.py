"""Emails about tenants and people. Sent after commit, so a rolled-back invitation never went out."""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.firms.models import Company, Invitation
from comptoir.firms.services import invitation_create, invitation_renew

logger = logging.getLogger(__name__)


# Lets the "Boîte d'envoi locale" show a firm the emails sent to its people (and no other firm's).
FIRM_HEADER = "X-Comptoir-Firm-Id"


def absolute_url(path: str) -> str:
    """A link that works from a mailbox: COMPTOIR_BASE_URL (which `comptoir serve` sets to where it listens)."""
    return settings.BASE_URL.rstrip("/") + path


def invitation_link(invitation: Invitation) -> str:
    return absolute_url(reverse("accounts:invitation_accept", args=[invitation.token]))


def firm_login_link(invitation: Invitation) -> str:
    return absolute_url(reverse("web:firm_login", args=[invitation.firm.slug]))


def invitation_subject(invitation: Invitation) -> str:
    """Plain text for a mail header: never HTML-escaped (« Démo & Associés », not « &amp; »)."""
    return _("%(firm)s vous invite sur son portail") % {"firm": invitation.firm.name}


def invitation_email_send(*, invitation_id: int) -> bool:
    """Send the invitation email; True when the SMTP server took it. Failures are logged, not raised,
    because the invitation itself is already committed and can be sent again."""
    invitation = Invitation.objects.select_related("firm", "company", "invited_by").get(pk=invitation_id)
    with translation.override(settings.LANGUAGE_CODE):
        context = {"invitation": invitation, "link": invitation_link(invitation), "firm": invitation.firm,
                   "login_link": firm_login_link(invitation)}
        subject = invitation_subject(invitation)
        body = render_to_string("firms/email/invitation.txt", context)
    sender = f"{invitation.firm.sender_display_name} <{settings.SENDER_ADDRESS}>"
    message = EmailMessage(subject=subject, body=body, from_email=sender, to=[invitation.email],
                           headers={FIRM_HEADER: str(invitation.firm_id)})
    try:
        message.send()
    except OSError:  # smtplib's errors are OSErrors: refused, unreachable, timed out
        logger.exception("invitation email to %s failed", invitation.email)
        return False
    return True


@transaction.atomic
def invitation_send(*, company: Company, email: str, role: str, actor: User) -> Invitation:
    """Invite a client user of `company` and email them the link once the invitation is committed."""
    invitation = invitation_create(firm=company.firm, company=company, email=email, role=role, actor=actor)
    transaction.on_commit(lambda: invitation_email_send(invitation_id=invitation.pk))
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation, actor: User) -> Invitation:
    """A new link (the old one stops working), valid another week, emailed once committed."""
    invitation = invitation_renew(invitation=invitation, actor=actor)
    transaction.on_commit(lambda: invitation_email_send(invitation_id=invitation.pk))
    return invitation
