"""Emails about tenants and people, queued on the mail outbox in the transaction that decided them.

A rolled-back invitation never goes out; a committed one always does, once, even if SMTP is down
when it is created (the worker retries it).
"""

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.firms.models import Company, Invitation
from comptoir.firms.services import invitation_create, invitation_renew
from comptoir.jobs.mail_outbox import mail_enqueue

# Lets the "Boîte d'envoi locale" show a firm the emails sent to its people (and no other firm's).
FIRM_HEADER = "X-Comptoir-Firm-Id"


def absolute_url(path: str) -> str:
    """A link that works from a mailbox: COMPTOIR_BASE_URL (which `comptoir serve` sets to where it listens)."""
    return settings.BASE_URL.rstrip("/") + path


def invitation_link(invitation: Invitation) -> str:
    return absolute_url(reverse("firms:invitation_accept", args=[invitation.token]))


def firm_login_link(invitation: Invitation) -> str:
    return absolute_url(reverse("web:firm_login", args=[invitation.firm.slug]))


def invitation_subject(invitation: Invitation) -> str:
    """Plain text for a mail header: never HTML-escaped (« Démo & Associés », not « &amp; »)."""
    return _("%(firm)s vous invite sur son portail") % {"firm": invitation.firm.name}


def invitation_email_queue(*, invitation: Invitation, resend: bool = False) -> None:
    """Queue the invitation email in the caller's transaction; the worker sends it once, retrying."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {"invitation": invitation, "link": invitation_link(invitation), "firm": invitation.firm,
                   "login_link": firm_login_link(invitation)}
        subject = invitation_subject(invitation)
        body = render_to_string("firms/email/invitation.txt", context)
    key = f"invitation:{invitation.pk}"
    if resend:  # a resend renews the token and the expiry: a new key, so the new link is mailed too
        key += f":{invitation.expires_at.timestamp():.0f}"
    mail_enqueue(key=key, to=[invitation.email], subject=subject, body=body,
                 sender_name=invitation.firm.sender_display_name, firm_id=invitation.firm_id,
                 headers={FIRM_HEADER: str(invitation.firm_id)}, secret=True)  # the link's raw token


@transaction.atomic
def invitation_send(*, company: Company, email: str, role: str, actor: User) -> Invitation:
    """Invite a client user of `company`; the email is queued with the invitation and sent by the worker."""
    invitation = invitation_create(firm=company.firm, company=company, email=email, role=role, actor=actor)
    invitation_email_queue(invitation=invitation)
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation, actor: User) -> Invitation:
    """A new link (the old one stops working), valid another week, emailed once committed."""
    invitation = invitation_renew(invitation=invitation, actor=actor)
    invitation_email_queue(invitation=invitation, resend=True)
    return invitation
