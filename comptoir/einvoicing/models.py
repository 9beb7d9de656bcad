"""What passes through a plateforme agréée: flows (one file each) and the lifecycle statuses they carry."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from comptoir.firms.models import Company
from comptoir.ged.models import Document
from comptoir.partners.models import Connection, Delivery


class FlowDirection(models.TextChoices):
    IN = "In", _("reçu")
    OUT = "Out", _("envoyé")


class Flow(models.Model):
    """One flow of the PA as Comptoir last saw it: a received invoice or CDAR, or one we submitted.

    Unique on (connection, flow id): the database, not a check, makes a received flow one document ever.
    """

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="pa_flows")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    flow_id = models.CharField(max_length=36)
    tracking_id = models.CharField(max_length=36, blank=True)
    direction = models.CharField(max_length=3, choices=FlowDirection.choices)
    flow_type = models.CharField(max_length=40, blank=True)
    syntax = models.CharField(max_length=10, blank=True)
    ack_status = models.CharField(max_length=10, blank=True)
    ack_details = models.JSONField(default=list, blank=True)
    remote_updated_at = models.DateTimeField(null=True, blank=True)
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.SET_NULL, related_name="pa_flows")
    delivery = models.ForeignKey(Delivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["connection", "flow_id"], name="pa_flow_once")]
        indexes = [models.Index(fields=["connection", "tracking_id"], name="pa_flow_tracking_idx")]

    def __str__(self) -> str:
        return f"flow {self.flow_id} {self.direction} {self.flow_type}"


class StatusOrigin(models.TextChoices):
    RECEIVED = "received", _("reçu de la plateforme")
    SENT = "sent", _("envoyé par le portail")


class EinvoiceStatus(models.Model):
    """One lifecycle status of one invoice, from a CDAR received or sent. Kept even while its invoice is
    unknown (`document` null): attached when the invoice arrives, never dropped."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    flow = models.OneToOneField(Flow, on_delete=models.CASCADE, related_name="status")
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="einvoice_statuses")
    origin = models.CharField(max_length=10, choices=StatusOrigin.choices)
    code = models.CharField(max_length=3)
    label = models.CharField(max_length=100, blank=True, help_text="the label the message carried")
    at = models.DateTimeField()
    reason_code = models.CharField(max_length=40, blank=True)
    reason = models.TextField(blank=True)
    invoice_number = models.CharField(max_length=100)
    invoice_issue_date = models.DateField(null=True, blank=True)
    issuer_siren = models.CharField(max_length=9, blank=True)
    amount = models.DecimalField(max_digits=17, decimal_places=2, null=True, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["company", "issuer_siren", "invoice_number"], name="pa_status_invoice_idx"),
                   models.Index(fields=["document", "at"], name="pa_status_document_idx")]

    def __str__(self) -> str:
        return f"{self.invoice_number}: {self.code}"

    @property
    def display_label(self) -> str:
        """The table's label in the reader's language (the message's own when the table lacks the code)."""
        from comptoir.einvoicing.statuses import status_label

        return status_label(self.code, self.label)


class SyncCursor(models.Model):
    """Where the sync of one connection resumes: the PA's own `updatedAt`, never our clock."""

    connection = models.OneToOneField(Connection, on_delete=models.CASCADE, related_name="pa_cursor")
    updated_after = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    # This connection's own period (the demo's: 10 s); null: COMPTOIR_PA_SYNC_SECONDS.
    every_seconds = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.connection_id}: {self.updated_after}"
