"""Emails about tenants and people, queued on the mail outbox in the transaction that decided them.

A rolled-back invitation never goes out; a committed one always does, once, even if SMTP is down
when it is created (the worker retries it).
"""

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from comptoir.accounts.models import User
from comptoir.firms.models import Company, Invitation
from comptoir.firms.services import invitation_create
from comptoir.jobs.mail_outbox import mail_enqueue


def invitation_email_queue(*, invitation: Invitation) -> None:
    link = settings.BASE_URL + reverse("accounts:invitation_accept", args=[invitation.token])
    with translation.override(settings.LANGUAGE_CODE):
        context = {"invitation": invitation, "link": link, "firm": invitation.firm}
        subject = render_to_string("firms/email/invitation_subject.txt", context).strip()
        body = render_to_string("firms/email/invitation.txt", context)
    mail_enqueue(key=f"invitation:{invitation.pk}", to=[invitation.email], subject=subject, body=body,
                 sender_name=invitation.firm.sender_display_name, firm_id=invitation.firm_id)


@transaction.atomic
def invitation_send(*, company: Company, email: str, role: str, actor: User) -> Invitation:
    """Invite a client user of `company`; the email is queued with the invitation and sent by the worker."""
    invitation = invitation_create(firm=company.firm, company=company, email=email, role=role, actor=actor)
    invitation_email_queue(invitation=invitation)
    return invitation
