from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from comptoir.firms.models import Company, Firm
from comptoir.ged.models import Document, Folder
from comptoir.jobs.models import outbox_status_choices


class Installation(models.Model):
    """A partner app added by a firm to its space ("mes applications")."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="installations")
    app_slug = models.CharField(max_length=50)
    installed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    installed_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    # Settings shared by all the firm's companies (`PartnerApp.settings_fields`: an FTP access…),
    # secrets encrypted like a connection's (`credentials.fields_store`).
    settings = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm", "app_slug"], condition=Q(removed_at__isnull=True),
                                    name="installation_unique_active_app_per_firm"),
        ]

    def __str__(self) -> str:
        return f"{self.app_slug} @ {self.firm}"


class Connection(models.Model):
    """An installed app authorised for one company, with its destinations."""

    installation = models.ForeignKey(Installation, on_delete=models.CASCADE, related_name="connections")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="partner_connections")
    # The method's settings and credentials (secrets encrypted, `credentials.fields_store`), a webhook's
    # signing secret; typed addresses live in Destination rows.
    config = models.JSONField(default=dict, blank=True)
    # For apps that take e-invoices only of some kinds: also skip documents without structured data.
    only_recognised_invoices = models.BooleanField(_("uniquement les factures reconnues"), default=False)
    # How documents reach the partner: the name of one of the app's methods (`PartnerApp.methods`:
    # email, api, ftp, afnor, webhook). Read when a delivery is created: it picks among that method's
    # destinations; a pending delivery keeps the method of its destination.
    method = models.CharField(max_length=20, default="email")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["installation", "company"], condition=Q(revoked_at__isnull=True),
                                    name="connection_unique_active_per_company"),
        ]

    def __str__(self) -> str:
        return f"{self.installation.app_slug} → {self.company}"


class Destination(models.Model):
    """One place a connection delivers to: Upflow's collection address, or an app's 'sales' address."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="destinations")
    key = models.CharField(max_length=40)
    # Read at send time: correcting it fixes a failing delivery on its next try.
    address = models.CharField(max_length=500)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["connection", "key"], name="destination_unique_key")]

    def __str__(self) -> str:
        return f"{self.connection} [{self.key}] {self.address}"


class SwitchState(models.TextChoices):
    ON = "on", _("activé")
    OFF = "off", _("désactivé")


class FolderSwitch(models.Model):
    """An explicit on/off of one connection on one folder. Subfolders inherit it (nearest wins)."""

    folder = models.ForeignKey(Folder, on_delete=models.CASCADE, related_name="partner_switches")
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="switches")
    state = models.CharField(max_length=3, choices=SwitchState.choices)
    # For multi-destination apps, which destination this folder feeds.
    destination = models.ForeignKey(Destination, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["folder", "connection"], name="switch_unique_per_folder")]

    def __str__(self) -> str:
        return f"{self.connection} on {self.folder}: {self.state}"


DeliveryStatus = outbox_status_choices("DeliveryStatus", module=__name__, extra=(
    ("SKIPPED", ("skipped", _("ignoré"))),
    # An API push needs the invoice's data: waits for someone to complete it (number, customer, amount…).
    ("INCOMPLETE", ("incomplete", _("à compléter"))),
    ("CANCELLED", ("cancelled", _("annulé"))),
))


class Delivery(models.Model):
    """One document sent, or to be sent, to one destination: the outbox row and the send history.

    Unique on (lineage, destination): a document (and any copy of it) goes to a destination once.
    """

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="deliveries")
    lineage = models.UUIDField()
    destination = models.ForeignKey(Destination, on_delete=models.PROTECT, related_name="deliveries")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")
    app_slug = models.CharField(max_length=50)
    # Why it was created: deposit, move, copy or backfill.
    trigger = models.CharField(max_length=10)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    reason = models.TextField(blank=True, help_text="why skipped or cancelled")
    # Skipped because the same bytes (another paper of the company) already went to this destination:
    # firm staff may send it anyway (`delivery_send_anyway`).
    duplicate_of = models.ForeignKey(Document, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    leased_by = models.CharField(max_length=100, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["lineage", "destination"], name="delivery_once_per_destination"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx"),
            models.Index(fields=["firm", "app_slug", "created_at"], name="delivery_history_idx"),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk} {self.status}"

    @property
    def sendable_anyway(self) -> bool:
        """« Envoyer quand même » applies: held « à compléter », by a method that does not push the invoice's data."""
        from comptoir.partners.catalogue.registry import app_find

        app = app_find(self.app_slug)
        method = app.method_for_destination(self.destination.key) if app is not None else None
        return self.status == DeliveryStatus.INCOMPLETE and method is not None and not method.needs_invoice_facts

    @property
    def can_send_as_is(self) -> bool:
        """« Envoyer quand même » is offered: its method does not need the invoice's data (an API push does)."""
        from comptoir.partners.catalogue.registry import app_find

        app = app_find(self.app_slug)
        return app is not None and not app.method_for_destination(self.destination.key).needs_invoice_facts

    @property
    def last_attempt(self):
        """The latest send attempt (from the prefetched attempts when the list loaded them)."""
        attempts = list(self.send_attempts.all())
        return attempts[-1] if attempts else None

    @property
    def reason_display(self) -> str:
        """The reason in the reader's language: a skip is recomputed from the app and the document
        (the stored text is in the language of the deposit); other reasons are shown as stored."""
        if self.status == DeliveryStatus.SKIPPED:
            from comptoir.partners.catalogue.registry import app_find

            app = app_find(self.app_slug)
            if app is not None:
                return app.refusal_reason(self.document) or self.reason
        return self.reason


class DemoRequest(models.Model):
    """'Demander une démo' from the store: the app's contact is emailed, the request kept here."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    app_slug = models.CharField(max_length=50)
    message = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"démo {self.app_slug} pour {self.company}"


class ReceivableState(models.TextChoices):
    OPEN = "open", _("ouverte")
    OVERDUE = "overdue", _("en retard")
    PARTIALLY_PAID = "partially_paid", _("partiellement payée")
    PAID = "paid", _("payée")


class Receivable(models.Model):
    """What a receivables partner says of an invoice Comptoir pushed: state and amount outstanding.

    One row per pushed delivery, written when the push succeeds (ids on the partner's side) and by
    each status sync (`state` empty until the first sync).
    """

    delivery = models.OneToOneField(Delivery, on_delete=models.CASCADE, related_name="receivable")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="receivables")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    app_slug = models.CharField(max_length=50)
    external_id = models.CharField(max_length=100)
    remote_id = models.CharField(max_length=100, blank=True)
    is_credit_note = models.BooleanField(default=False)
    number = models.CharField(max_length=100, blank=True)
    customer_name = models.CharField(max_length=200, blank=True)
    issue_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    gross_amount = models.DecimalField(max_digits=17, decimal_places=2, null=True, blank=True)
    state = models.CharField(max_length=15, choices=ReceivableState.choices, blank=True)
    amount_outstanding = models.DecimalField(max_digits=17, decimal_places=2, null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["company", "state"], name="receivable_company_state_idx")]

    def __str__(self) -> str:
        return f"{self.app_slug} {self.number or self.external_id}: {self.state or '?'}"
