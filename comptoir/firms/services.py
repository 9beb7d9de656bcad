import secrets
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.core.services import audit_event_record
from comptoir.firms.models import CLIENT_ROLES, FIRM_ROLES, Company, Firm, Invitation, Membership, Role


def _unique_slug(model, base: str, max_length: int = 50) -> str:
    base = (slugify(base) or "x")[: max_length - 5]
    slug, counter = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


def default_fiscal_year(today: date | None = None) -> tuple[date, date]:
    today = today or timezone.localdate()
    return date(today.year, 1, 1), date(today.year, 12, 31)


@transaction.atomic
def firm_create(*, name: str, admin_email: str, admin_password: str, **branding) -> tuple[Firm, User]:
    """A new tenant and its first administrator."""
    firm = Firm(name=name, slug=_unique_slug(Firm, name), **branding)
    firm.full_clean()
    firm.save()
    email = admin_email.strip().lower()
    if User.objects.filter(email=email).exists():
        raise ValidationError({"admin_email": "Un utilisateur avec cette adresse existe déjà."})
    admin = User.objects.create_user(email=email, password=admin_password)
    Membership.objects.create(user=admin, firm=firm, role=Role.FIRM_ADMIN)
    audit_event_record(actor=admin, action="firm.create", target=firm, firm_id=firm.pk)
    return firm, admin


@transaction.atomic
def company_create(
    *,
    firm: Firm,
    name: str,
    siren: str,
    actor: User | None,
    siret: str = "",
    fiscal_year_start: date | None = None,
    fiscal_year_end: date | None = None,
) -> Company:
    """Only the company row; `ged.services.company_onboard` also lays down its folders."""
    if fiscal_year_start is None and fiscal_year_end is None:
        fiscal_year_start, fiscal_year_end = default_fiscal_year()
    elif fiscal_year_start is None:
        fiscal_year_start = (fiscal_year_end.replace(year=fiscal_year_end.year - 1) + timedelta(days=1))
    elif fiscal_year_end is None:
        fiscal_year_end = fiscal_year_start.replace(year=fiscal_year_start.year + 1) - timedelta(days=1)
    if fiscal_year_end <= fiscal_year_start:
        raise ValidationError({"fiscal_year_end": "La fin d'exercice doit suivre son début."})
    if (fiscal_year_end - fiscal_year_start).days > 731:
        raise ValidationError({"fiscal_year_end": "Un exercice dure au plus 24 mois."})
    siren = (siren or "").replace(" ", "")
    if Company.objects.filter(firm=firm, siren=siren).exists():
        raise ValidationError({"siren": "Une entreprise avec ce SIREN existe déjà dans le cabinet."})
    company = Company(
        firm=firm,
        name=name.strip(),
        slug=_unique_slug(Company, name, max_length=40),
        siren=siren,
        siret=(siret or "").replace(" ", ""),
        fiscal_year_start=fiscal_year_start,
        fiscal_year_end=fiscal_year_end,
    )
    company.full_clean()
    company.save()
    audit_event_record(actor=actor, action="company.create", target=company, firm_id=firm.pk)
    return company


@transaction.atomic
def membership_create(
    *, user: User, firm: Firm, role: str, company: Company | None = None, actor: User | None = None
) -> Membership:
    if role in {Role.CLIENT_ADMIN, Role.CLIENT_MEMBER} and (company is None or company.firm_id != firm.pk):
        raise ValidationError("Un utilisateur client appartient à une entreprise du cabinet.")
    membership = Membership.objects.create(user=user, firm=firm, role=role, company=company)
    audit_event_record(actor=actor, action="membership.create", target=membership, firm_id=firm.pk,
                       data={"role": role, "user": user.email})
    return membership


@transaction.atomic
def invitation_create(*, firm: Firm, company: Company | None, email: str, role: str, actor: User) -> Invitation:
    email = email.strip().lower()
    if User.objects.filter(email=email).exists():
        raise ValidationError({"email": "Cette personne a déjà un compte."})
    raw_token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        firm=firm,
        company=company,
        email=email,
        role=role,
        token_hash=Invitation.token_hash_of(raw_token),
        invited_by=actor,
        expires_at=timezone.now() + INVITATION_VALIDITY,
    )
    audit_event_record(actor=actor, action="invitation.create", target=invitation, firm_id=firm.pk,
                       data={"email": email, "role": role})
    invitation.token = raw_token  # for the emailed link only: the row holds its hash
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, password: str, full_name: str = "") -> User:
    if (invitation.accepted_at is not None or invitation.cancelled_at is not None
            or invitation.expires_at < timezone.now()):
        raise ValidationError("Cette invitation a expiré ou a déjà été utilisée.")
    user = User.objects.create_user(email=invitation.email, password=password, full_name=full_name)
    membership_create(user=user, firm=invitation.firm, role=invitation.role, company=invitation.company,
                      actor=user)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit_event_record(actor=user, action="invitation.accept", target=invitation, firm_id=invitation.firm_id)
    return user


@transaction.atomic
def firm_two_factor_require(*, firm: Firm, required: bool, actor: User) -> Firm:
    """Require (or stop requiring) a second factor for every firm staff member's web login.

    Turning it on revokes the API tokens of the staff who have no second factor yet: those tokens were
    created behind a password alone, which the firm has just said is not enough. They create new ones
    once enrolled (a token is created from a session that passed the second factor)."""
    from comptoir.accounts.selectors import user_has_two_factor
    from comptoir.accounts.services import api_tokens_revoke_all

    newly = required and not firm.require_two_factor
    firm.require_two_factor = required
    firm.save(update_fields=["require_two_factor"])
    revoked = 0
    if newly:
        staff = User.objects.filter(membership__firm=firm, membership__role__in=FIRM_ROLES, api_tokens__isnull=False)
        for user in staff.distinct():
            if not user_has_two_factor(user=user):
                revoked += api_tokens_revoke_all(user=user, actor=actor, reason="two_factor_required")
    audit_event_record(actor=actor, action="firm.two_factor_require", target=firm, firm_id=firm.pk,
                       data={"required": required, "revoked_tokens": revoked})
    return firm


@transaction.atomic
def firm_branding_update(*, firm: Firm, actor: User, logo=None, **fields) -> Firm:
    """Name, colours, sender name and (optionally) a new logo. The logo file is checked by the caller's form."""
    allowed = ["name", "primary_color", "accent_color", "sender_name"]
    # Compared with the stored row: a bound ModelForm may already have copied the values onto `firm`.
    stored = Firm.objects.filter(pk=firm.pk).values(*allowed).get()
    changed = [key for key in allowed if key in fields and stored[key] != fields[key]]
    for key in allowed:
        if key in fields:
            setattr(firm, key, fields[key])
    firm.full_clean(exclude=["logo"])
    if logo is not None:
        extension = (getattr(logo, "name", "") or "").rsplit(".", 1)[-1].lower()[:5] or "png"
        firm.logo.save(f"{firm.slug}-{secrets.token_hex(8)}.{extension}", logo, save=False)
        changed.append("logo")
    if changed:
        firm.save(update_fields=changed)
    audit_event_record(actor=actor, action="firm.branding_update", target=firm, firm_id=firm.pk,
                       data={"changed": changed})
    return firm


# --- client lifecycle ---------------------------------------------------------------------------

INVITATION_VALIDITY = timedelta(days=7)


def _fiscal_year_check(start: date, end: date) -> None:
    if end <= start:
        raise ValidationError({"fiscal_year_end": _("La fin d'exercice doit suivre son début.")})
    if (end - start).days > 731:
        raise ValidationError({"fiscal_year_end": _("Un exercice dure au plus 24 mois.")})


@transaction.atomic
def company_update(*, company: Company, actor: User, name: str, siren: str, siret: str = "",
                   fiscal_year_start: date, fiscal_year_end: date) -> list[str]:
    """Edit a company's identity and fiscal year; returns the names of the fields that changed.
    Changing the fiscal year moves no folder: the caller may lay down the new exercise's folders."""
    if company.archived_at is not None:
        raise ValidationError(_("Cette entreprise est archivée : ses informations sont en lecture seule."))
    _fiscal_year_check(fiscal_year_start, fiscal_year_end)
    siren = (siren or "").replace(" ", "")
    if Company.objects.filter(firm_id=company.firm_id, siren=siren).exclude(pk=company.pk).exists():
        raise ValidationError({"siren": _("Une entreprise avec ce SIREN existe déjà dans le cabinet.")})
    values = {"name": name.strip(), "siren": siren, "siret": (siret or "").replace(" ", ""),
              "fiscal_year_start": fiscal_year_start, "fiscal_year_end": fiscal_year_end}
    stored = Company.objects.filter(pk=company.pk).values(*values).get()
    changed = [key for key, value in values.items() if stored[key] != value]
    for key, value in values.items():
        setattr(company, key, value)
    company.full_clean(exclude=["slug"])
    if changed:
        company.save(update_fields=changed)
    audit_event_record(actor=actor, action="company.update", target=company, firm_id=company.firm_id,
                       data={"changed": changed})
    return changed


@transaction.atomic
def company_archive(*, company: Company, actor: User) -> Company:
    """Read-only from now on; nothing is deleted. Stopping its deliveries is `partners`' part."""
    if company.archived_at is None:
        company.archived_at = timezone.now()
        company.save(update_fields=["archived_at"])
        audit_event_record(actor=actor, action="company.archive", target=company, firm_id=company.firm_id)
    return company


@transaction.atomic
def company_unarchive(*, company: Company, actor: User) -> Company:
    if company.archived_at is not None:
        company.archived_at = None
        company.save(update_fields=["archived_at"])
        audit_event_record(actor=actor, action="company.unarchive", target=company, firm_id=company.firm_id)
    return company


def _last_client_admin(membership: Membership) -> bool:
    return (membership.role == Role.CLIENT_ADMIN and not Membership.objects.filter(
        company_id=membership.company_id, role=Role.CLIENT_ADMIN).exclude(pk=membership.pk).exists())


@transaction.atomic
def membership_role_set(*, membership: Membership, role: str, actor: User) -> Membership:
    """A client user becomes administrator or user of their company (client roles only)."""
    if membership.role not in CLIENT_ROLES or role not in CLIENT_ROLES:
        raise ValidationError(_("Seuls les rôles des utilisateurs clients se changent ici."))
    if membership.user_id == actor.pk:
        raise ValidationError(_("Vous ne pouvez pas changer votre propre rôle."))
    if role != membership.role:
        old = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        audit_event_record(actor=actor, action="membership.role_set", target=membership, firm_id=membership.firm_id,
                           data={"user": membership.user.email, "from": old, "to": role})
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor: User) -> None:
    """Remove a client user from their company: the membership goes, the account is deactivated
    (one membership per user, so it has nowhere else to go); their documents stay."""
    if membership.role not in CLIENT_ROLES:
        raise ValidationError(_("Seuls les utilisateurs clients se retirent ici."))
    if membership.user_id == actor.pk:
        raise ValidationError(_("Vous ne pouvez pas vous retirer vous-même."))
    user = membership.user
    audit_event_record(actor=actor, action="membership.remove", target=membership, firm_id=membership.firm_id,
                       data={"user": user.email, "role": membership.role, "company": membership.company_id})
    membership.delete()
    user.is_active = False
    user.save(update_fields=["is_active"])


def _invitation_pending_check(invitation: Invitation) -> None:
    if invitation.accepted_at is not None or invitation.cancelled_at is not None:
        raise ValidationError(_("Cette invitation a déjà été utilisée ou annulée."))


@transaction.atomic
def invitation_renew(*, invitation: Invitation, actor: User) -> Invitation:
    """A fresh link, valid another week; the previous link stops working. The caller emails it."""
    _invitation_pending_check(invitation)
    invitation.token = secrets.token_urlsafe(32)  # for the emailed link only: the row holds its hash
    invitation.token_hash = Invitation.token_hash_of(invitation.token)
    invitation.expires_at = timezone.now() + INVITATION_VALIDITY
    invitation.save(update_fields=["token_hash", "expires_at"])
    audit_event_record(actor=actor, action="invitation.renew", target=invitation, firm_id=invitation.firm_id,
                       data={"email": invitation.email})
    return invitation


@transaction.atomic
def invitation_cancel(*, invitation: Invitation, actor: User) -> Invitation:
    _invitation_pending_check(invitation)
    invitation.cancelled_at = timezone.now()
    invitation.save(update_fields=["cancelled_at"])
    audit_event_record(actor=actor, action="invitation.cancel", target=invitation, firm_id=invitation.firm_id,
                       data={"email": invitation.email})
    return invitation


@transaction.atomic
def company_receivables_visibility_set(*, company: Company, visible: bool, actor: User) -> Company:
    """Show (or hide) the company's « Poste client » to its own users; firm staff always see it."""
    if company.receivables_client_visible != visible:
        company.receivables_client_visible = visible
        company.save(update_fields=["receivables_client_visible"])
        audit_event_record(actor=actor, action="company.receivables_visibility_set", target=company,
                           firm_id=company.firm_id, data={"client_visible": visible})
    return company


@transaction.atomic
def company_einvoice_settings_set(*, company: Company, clients_may_answer: bool, actor: User) -> Company:
    """Let the company's administrators answer its received e-invoices and complete its invoice data
    (`Company.clients_may_answer`), or leave it to the firm. The caller checked `company.einvoice_settings`."""
    if company.clients_may_answer != clients_may_answer:
        company.clients_may_answer = clients_may_answer
        company.save(update_fields=["clients_may_answer"])
        audit_event_record(actor=actor, action="company.einvoice_settings_set", target=company,
                           firm_id=company.firm_id, data={"clients_may_answer": clients_may_answer})
    return company
