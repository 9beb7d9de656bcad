from django.db import models
from django.utils.translation import gettext_lazy as _

from comptoir.partners.models import Delivery


class AttemptOutcome(models.TextChoices):
    SENT = "sent", _("envoyé")
    TRANSIENT = "transient", _("erreur temporaire")
    PERMANENT = "permanent", _("erreur définitive")


class DeliveryAttempt(models.Model):
    """One try at sending a delivery, with what the partner's server answered."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="send_attempts")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    outcome = models.CharField(max_length=10, choices=AttemptOutcome.choices)
    reply = models.TextField(blank=True)
    # The address this attempt was sent to: the connection's address may be corrected afterwards.
    address = models.CharField(max_length=500, blank=True)
    worker_id = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["delivery_id", "started_at", "id"]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery_id}: {self.outcome}"


class FailureNotice(models.Model):
    """A delivery given up on (failed or dead), waiting to be reported to the firm's admins.

    The notifier groups the notices of a firm into one email, so fifty failures at once make one
    message, not fifty. `claimed_by` keeps two workers from reporting the same notice.
    """

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="+")
    firm_id = models.BigIntegerField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["notified_at", "claimed_by"], name="failure_notice_due_idx")]

    def __str__(self) -> str:
        return f"failure notice for delivery {self.delivery_id}"
