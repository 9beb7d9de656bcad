from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from comptoir.firms.models import Company
from comptoir.ged.models import Document, Folder


class UntrustedMail(models.TextChoices):
    QUARANTINE = "quarantine", _("mettre à valider")
    REFUSE = "refuse", _("refuser")


class MailboxPolicy(models.Model):
    """A company's collection mailboxes: their secret token and who may deposit through them.

    Mail authenticated (DKIM/SPF aligned with its From: header) for one of `allowed_senders` is
    deposited; anything else is quarantined (default) or refused, as `untrusted` says.
    """

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="mailbox_policy")
    # One address or "@domain" per line.
    allowed_senders = models.TextField(_("expéditeurs autorisés"), blank=True)
    untrusted = models.CharField(_("courrier non authentifié ou d'un autre expéditeur"), max_length=10,
                                 choices=UntrustedMail.choices, default=UntrustedMail.QUARANTINE)
    # The random part of the addresses (`ventes+<slug>.<token>@…`): rotating it retires the old addresses.
    token = models.CharField(max_length=32, unique=True, null=True)
    # The old slug-only addresses (`ventes+<slug>@…`) keep working only when the firm says so.
    accept_slug_only = models.BooleanField(_("accepter aussi les anciennes adresses sans jeton"), default=False)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "mailbox policies"

    def __str__(self) -> str:
        return f"mailbox policy of {self.company}"

    def sender_patterns(self) -> list[str]:
        return [line.strip().lower() for line in self.allowed_senders.splitlines() if line.strip()]


class WatchedFileStatus(models.TextChoices):
    PROCESSING = "processing", _("en cours")
    DONE = "done", _("déposé")
    FAILED = "failed", _("refusé")


class WatchedFile(models.Model):
    """A file taken from a watched directory: the marker that makes `comptoir watch` restartable."""

    directory = models.CharField(max_length=500)
    name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    mtime_ns = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=WatchedFileStatus.choices, default=WatchedFileStatus.PROCESSING)
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["directory", "name", "size", "mtime_ns", "sha256"],
                                    name="watched_file_unique_identity"),
        ]

    def __str__(self) -> str:
        return f"{self.directory}/{self.name} ({self.status})"


class ZipImportStatus(models.TextChoices):
    PENDING = "pending", _("en attente")
    RUNNING = "running", _("en cours")
    DONE = "done", _("terminé")
    FAILED = "failed", _("échec")


class ZipImport(models.Model):
    """One bulk zip import: its progress is polled by the page while the worker runs its task."""

    folder = models.ForeignKey(Folder, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    archive_name = models.CharField(max_length=255)
    # Key of the archive in the default storage while the import waits or runs; deleted afterwards.
    archive_path = models.CharField(max_length=1000, blank=True)
    status = models.CharField(max_length=10, choices=ZipImportStatus.choices, default=ZipImportStatus.PENDING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"zip import {self.pk} ({self.status})"


class QuarantineReason(models.TextChoices):
    UNAUTHENTICATED = "unauthenticated", _("expéditeur non authentifié")
    SENDER_NOT_ALLOWED = "not_allowed", _("expéditeur non autorisé")


class QuarantineStatus(models.TextChoices):
    PENDING = "pending", _("à valider")
    APPROVED = "approved", _("validé")
    REJECTED = "rejected", _("rejeté")


class QuarantinedDocument(models.Model):
    """A file that came in by mail without proof of its sender: stored, routed nowhere, until a firm user decides.

    It is not a `Document` (it is in no folder, so no partner switch can see it); approval deposits it
    through `document_deposit`, rejection deletes its bytes. The row stays, with its decision, so a
    retransmission of the same mail is recognised (`idempotency_key`) and not quarantined again.
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    # Where it goes on approval (the mailbox's folder when it arrived); re-resolved if that folder is gone.
    folder = models.ForeignKey(Folder, null=True, on_delete=models.SET_NULL, related_name="+")
    mailbox = models.CharField(max_length=20)
    recipient = models.CharField(max_length=254)
    filename = models.CharField(max_length=255)
    blob = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField()
    content_type = models.CharField(max_length=120)
    reason = models.CharField(max_length=20, choices=QuarantineReason.choices)
    # What the authentication said, for the person deciding (e.g. "dkim=pass d=evil.example, non aligné").
    authentication = models.CharField(max_length=500, blank=True)
    sender = models.CharField(max_length=254, blank=True)
    envelope_sender = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    message_id = models.CharField(max_length=250, blank=True)
    # Groups the files of one message to one mailbox (« tout valider pour ce message »).
    message_key = models.CharField(max_length=64, db_index=True)
    idempotency_key = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=QuarantineStatus.choices, default=QuarantineStatus.PENDING)
    received_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["company", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["company", "idempotency_key"], name="quarantine_unique_idempotency_key"),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"
