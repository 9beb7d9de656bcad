from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from comptoir.firms.models import Company
from comptoir.ged.models import Folder


class SeenMark(models.Model):
    """When a person last looked at a company's documents (company set) or at their dashboard (company null).

    Client deposits after the mark are "new" for that person: a dot on the company until they open it.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "company"], name="seenmark_unique_per_company"),
            models.UniqueConstraint(fields=["user"], condition=models.Q(company__isnull=True),
                                    name="seenmark_unique_dashboard"),
        ]

    def __str__(self) -> str:
        return f"{self.user} saw {self.company or 'dashboard'} at {self.seen_at}"


class FolderSeenMark(models.Model):
    """When a person last opened a folder: client deposits in it after the mark put a dot on the folder
    and on its ancestors in the GED tree, until they open it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    folder = models.ForeignKey(Folder, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "folder"], name="folderseenmark_unique")]

    def __str__(self) -> str:
        return f"{self.user} saw folder {self.folder_id} at {self.seen_at}"


class DigestFrequency(models.TextChoices):
    OFF = "off", _("Jamais")
    DAILY = "daily", _("Chaque jour")
    WEEKLY = "weekly", _("Chaque semaine")


class DigestPreference(models.Model):
    """A person's choice of summary email ("ce qui s'est passé"), off unless they ask for it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_preference")
    frequency = models.CharField(_("résumé par e-mail"), max_length=10, choices=DigestFrequency.choices,
                                 default=DigestFrequency.OFF)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user}: {self.frequency}"
