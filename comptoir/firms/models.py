import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from comptoir.firms.validators import validate_hex_color, validate_siren, validate_siret


class ExerciseFolderStyle(models.TextChoices):
    # « Exercice 2026-2027 » for a July–June year (a hyphen: "/" separates folders in paths).
    EXERCISE = "exercise", _("« Exercice 2026-2027 » hors année civile")
    END_YEAR = "end_year", _("« Dossier comptable annuel 2027 » (année de clôture)")


class Firm(models.Model):
    """The tenant: an accounting firm and its branding."""

    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(unique=True)
    logo = models.FileField(_("logo"), upload_to="branding/", blank=True)
    primary_color = models.CharField(_("couleur principale"), max_length=7, default="#1f4e79",
                                     validators=[validate_hex_color])
    accent_color = models.CharField(_("couleur d'accent"), max_length=7, default="#e07a1f",
                                    validators=[validate_hex_color])
    sender_name = models.CharField(_("nom d'expéditeur"), max_length=100, blank=True)
    # How the yearly folder is named when the fiscal year is not the calendar year.
    exercise_folder_style = models.CharField(
        _("nom du dossier annuel"), max_length=10, choices=ExerciseFolderStyle.choices,
        default=ExerciseFolderStyle.EXERCISE,
    )
    # Firm staff must sign in with a second factor (TOTP); they are sent to enrolment until they have one.
    require_two_factor = models.BooleanField(_("double authentification obligatoire"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def sender_display_name(self) -> str:
        return self.sender_name or self.name


class Company(models.Model):
    """A client company of one firm."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="companies")
    name = models.CharField(_("raison sociale"), max_length=200)
    slug = models.SlugField(max_length=60)
    siren = models.CharField(_("SIREN"), max_length=9, validators=[validate_siren])
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[validate_siret])
    fiscal_year_start = models.DateField(_("début d'exercice"))
    fiscal_year_end = models.DateField(_("fin d'exercice"))
    # Archived: read-only, nothing deleted, deliveries stopped (see firms.services.company_archive).
    archived_at = models.DateTimeField(null=True, blank=True)
    # Whether the company's client users see its « Poste client » (what its receivables partner says of
    # its invoices); firm staff always do. Off by default: the firm decides to share it.
    receivables_client_visible = models.BooleanField(_("poste client visible par l'entreprise"), default=False)
    # The e-invoicing setting the firm decides per company: whether the company's administrators act on
    # its invoices themselves (answer the e-invoices received through the PA, complete the invoice data
    # an API partner needs). Off by default: the firm does it. Read by `firms.policy.may_act_on_invoices`.
    clients_may_answer = models.BooleanField(
        _("les utilisateurs de l'entreprise répondent aux factures reçues et complètent les données de facture"),
        default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"
        constraints = [
            models.UniqueConstraint(fields=["firm", "siren"], name="company_unique_siren_per_firm"),
            # Mailbox addresses use the slug, so it is unique across the whole portal.
            models.UniqueConstraint(fields=["slug"], name="company_unique_slug"),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    FIRM_ADMIN = "firm_admin", _("Administrateur du cabinet")
    FIRM_MEMBER = "firm_member", _("Collaborateur du cabinet")
    CLIENT_ADMIN = "client_admin", _("Administrateur client")
    CLIENT_MEMBER = "client_member", _("Utilisateur client")


FIRM_ROLES = {Role.FIRM_ADMIN, Role.FIRM_MEMBER}
CLIENT_ROLES = {Role.CLIENT_ADMIN, Role.CLIENT_MEMBER}


class Membership(models.Model):
    """What a user is in a firm. One per user: a person belongs to one firm's portal."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    # Client roles: the one company they belong to.
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # Firm members: all companies, or only the assigned ones.
    sees_all_companies = models.BooleanField(default=True)
    assigned_companies = models.ManyToManyField(Company, blank=True, related_name="assigned_members")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=["firm_admin", "firm_member"]) | models.Q(company__isnull=False),
                name="membership_client_has_company",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} @ {self.firm}"

    @property
    def is_firm_staff(self) -> bool:
        return self.role in FIRM_ROLES

    @property
    def is_firm_admin(self) -> bool:
        return self.role == Role.FIRM_ADMIN


class Invitation(models.Model):
    """An emailed invitation for a client user to join a company's space."""

    # Set on the instance `invitation_create` returns, for the link; not a field.
    token: str = ""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="invitations")
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.CASCADE)
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    # sha256 of the secret in the emailed link; the secret itself is never stored (as for API tokens).
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.company or self.firm}"

    @staticmethod
    def token_hash_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()
