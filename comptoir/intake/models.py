from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from comptoir.firms.models import Company
from comptoir.ged.models import Document, Folder


class MailboxPolicy(models.Model):
    """Who may write to a company's collection mailboxes. Empty list: anyone."""

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="mailbox_policy")
    # One address or "@domain" per line.
    allowed_senders = models.TextField(_("expéditeurs autorisés"), blank=True)
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
