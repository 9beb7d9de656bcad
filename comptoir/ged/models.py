import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from comptoir.firms.models import Company


class Channel(models.TextChoices):
    """How a document was deposited. Every channel goes through `document_deposit`."""

    WEB = "web", _("Téléversement web")
    ZIP = "zip", _("Archive zip")
    API = "api", _("API")
    EMAIL = "email", _("E-mail")
    SCANNER = "scanner", _("Scanner / dossier surveillé")
    PHONE = "phone", _("Téléphone")
    # A regulated e-invoice received from the company's plateforme agréée (no depositor: a system actor).
    PA = "pa", _("Plateforme agréée")


class FolderRole(models.TextChoices):
    """What a folder laid down by a template is for: channels and the demo find folders by role, not name.

    Not attached to `Folder.role` as `choices` (that would be a migration for no behaviour): firms'
    own folders have no role (""), and the values are what the database already holds.
    """

    ANNUAL = "annual"
    MONTH = "month"
    ACHATS = "achats"
    VENTES = "ventes"
    BANQUE = "banque"
    NDF = "ndf"
    SOCIAL = "social"
    FISCAL = "fiscal"
    JURIDIQUE = "juridique"
    A_CLASSER = "a-classer"
    FIRM_WORK = "firm-work"
    FIRM_REVIEW = "firm-review"


class Folder(models.Model):
    """A folder of a company's GED.

    `path` is the materialised path of ids ("/3/17/42/"): ancestors are read from it without a
    query, and a subtree is one indexed prefix match.
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="folders")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    name = models.CharField(_("nom"), max_length=200)
    path = models.CharField(max_length=1000, db_index=True, blank=True)
    depth = models.PositiveSmallIntegerField(default=0)
    # Firm-only folders (and everything under them) are never shown to client users.
    firm_only = models.BooleanField(_("réservé au cabinet"), default=False)
    # What the folder is for, when laid down by a template: a FolderRole value ("" for the firm's own).
    role = models.CharField(max_length=20, blank=True, db_index=True)
    fiscal_year = models.PositiveSmallIntegerField(null=True, blank=True)
    month = models.DateField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    # The folder whose deletion put this one in the trash: restoring it restores the whole batch.
    trashed_with = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], condition=Q(deleted_at__isnull=True),
                                    name="folder_unique_name_in_parent"),
            models.UniqueConstraint(fields=["company", "name"],
                                    condition=Q(parent__isnull=True, deleted_at__isnull=True),
                                    name="folder_unique_root_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this folder itself, read from the path without a query."""
        return [int(part) for part in self.path.strip("/").split("/") if part]


class Document(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="documents")
    folder = models.ForeignKey(Folder, on_delete=models.PROTECT, related_name="documents")
    name = models.CharField(_("nom"), max_length=255)
    original_filename = models.CharField(max_length=255)
    blob = models.CharField(max_length=255, help_text="storage key; never derived from the file name")
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.BigIntegerField()
    content_type = models.CharField(max_length=120)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    depositor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    deposited_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Copies share the lineage of their original: the same piece of paper, wherever it is filed.
    lineage = models.UUIDField(default=uuid.uuid4, db_index=True)
    # Channel details (message id, sender, source path…), for dedup and for people.
    source = models.JSONField(default=dict, blank=True)
    # What makes a retried deposit the same deposit (mail: mailbox + Message-ID + attachment hash; zip: import
    # + entry; watched folder: path + size + mtime + hash; API: the Idempotency-Key header). Unique per company.
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-deposited_at", "-id"]
        indexes = [models.Index(fields=["folder", "deleted_at"])]
        constraints = [
            models.UniqueConstraint(fields=["company", "idempotency_key"], name="document_unique_idempotency_key",
                                    condition=models.Q(idempotency_key__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.name


class ExtractState(models.TextChoices):
    PENDING = "pending", _("en cours")
    READY = "ready", _("prêt")
    NONE = "none", _("sans objet")
    FAILED = "failed", _("échec")


class DocumentExtract(models.Model):
    """What the GED read in a document: its PDF text layer (at deposit), its OCR text and its
    thumbnail (in the background). The search index is built from these and the document's name."""

    document = models.OneToOneField(Document, on_delete=models.CASCADE, primary_key=True, related_name="extract")
    text_layer = models.TextField(blank=True)
    # Pages of a PDF, read at deposit (the preview pane pages through them).
    page_count = models.PositiveIntegerField(null=True, blank=True)
    ocr_text = models.TextField(blank=True)
    ocr_state = models.CharField(max_length=10, choices=ExtractState.choices, default=ExtractState.PENDING)
    # Storage key of the first page's thumbnail (PNG), once made.
    thumbnail = models.CharField(max_length=255, blank=True)
    thumbnail_state = models.CharField(max_length=10, choices=ExtractState.choices, default=ExtractState.PENDING)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"extract of document {self.document_id}"
