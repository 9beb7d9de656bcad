"""Document requests: what the firm asks a client company for, how it was answered, and the reminders."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from comptoir.firms.models import Company, Firm
from comptoir.ged.models import Document, Folder

DEFAULT_OFFSETS = [-7, -1, 0]
DEFAULT_REPEAT_DAYS = 7


def default_offsets() -> list[int]:
    return list(DEFAULT_OFFSETS)


class FirmRequestSettings(models.Model):
    """A firm's settings for requests: the time zone its reminders are sent in (09:00 there)."""

    firm = models.OneToOneField(Firm, on_delete=models.CASCADE, related_name="request_settings")
    time_zone = models.CharField(_("fuseau horaire"), max_length=64, default="Europe/Paris")

    def __str__(self) -> str:
        return f"{self.firm}: {self.time_zone}"


class Cadence(models.Model):
    """When reminders go: days relative to the due date (-7 = a week before), then every N days after."""

    reminder_offsets = models.JSONField(_("relances (jours par rapport à l'échéance)"), default=default_offsets)
    repeat_days = models.PositiveSmallIntegerField(_("puis tous les N jours"), default=DEFAULT_REPEAT_DAYS)

    class Meta:
        abstract = True


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("chaque mois")
    QUARTERLY = "quarterly", _("chaque trimestre")
    YEARLY = "yearly", _("chaque année")


class RequestTemplate(Cadence):
    """A recurring need of the firm (monthly bank statements…), generating requests for subscribed companies."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="request_templates")
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    items = models.JSONField(_("pièces"), default=list, blank=True)
    # The folder of the company's annual folder the documents go to ("banque", "achats"…), month subfolder if any.
    folder_role = models.CharField(_("dossier cible"), max_length=20, default="banque")
    frequency = models.CharField(_("fréquence"), max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY)
    day = models.PositiveSmallIntegerField(_("jour du mois"), default=1)
    month = models.PositiveSmallIntegerField(_("mois (annuel)"), default=1)
    due_days = models.PositiveSmallIntegerField(_("échéance (jours après la demande)"), default=10)
    companies = models.ManyToManyField(Company, blank=True, related_name="request_templates")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        constraints = [models.CheckConstraint(condition=Q(day__gte=1, day__lte=28), name="request_template_day_1_28"),
                       models.CheckConstraint(condition=Q(month__gte=1, month__lte=12),
                                              name="request_template_month_1_12")]

    def __str__(self) -> str:
        return self.title


class RequestStatus(models.TextChoices):
    OPEN = "open", _("à fournir")
    PROVIDED = "provided", _("fourni")
    CLOSED = "closed", _("clôturé")


class DocumentRequest(Cadence):
    """What the firm asks one company for. "Overdue" is an open request past its due date."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="document_requests")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="document_requests")
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    folder = models.ForeignKey(Folder, on_delete=models.PROTECT, related_name="document_requests")
    due_date = models.DateField(_("échéance"))
    addressees = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="document_requests_to_provide")
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN,
                              db_index=True)
    # Routes mail to `demande+<token>@MAIL_DOMAIN` to this request; it does not prove the sender.
    token = models.CharField(max_length=32, unique=True)
    template = models.ForeignKey(RequestTemplate, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="requests")
    period = models.CharField(max_length=10, blank=True)
    review_comment = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    provided_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            # A template makes one request per company and period, however often its job runs.
            models.UniqueConstraint(fields=["template", "company", "period"], condition=Q(template__isnull=False),
                                    name="docrequest_once_per_template_period"),
        ]
        indexes = [models.Index(fields=["firm", "status", "due_date"], name="docrequest_board_idx")]

    def __str__(self) -> str:
        return self.title


class ItemStatus(models.TextChoices):
    PENDING = "pending", _("à fournir")
    PROVIDED = "provided", _("fourni")
    UNAVAILABLE = "unavailable", _("indisponible")


class RequestItem(models.Model):
    """One piece asked for (« relevé BNP »). A request without a list has one item, its title."""

    request = models.ForeignKey(DocumentRequest, on_delete=models.CASCADE, related_name="items")
    label = models.CharField(_("pièce"), max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=12, choices=ItemStatus.choices, default=ItemStatus.PENDING)
    comment = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label


class RequestAnswer(models.Model):
    """A document deposited for an item, or « je n'ai pas ce document » with a comment."""

    request = models.ForeignKey(DocumentRequest, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(RequestItem, null=True, blank=True, on_delete=models.CASCADE, related_name="answers")
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    comment = models.TextField(blank=True)
    channel = models.CharField(max_length=10, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["request", "document"], condition=Q(document__isnull=False),
                                               name="docrequest_answer_once_per_document")]

    def __str__(self) -> str:
        return f"answer to {self.request_id}"


class Reminder(models.Model):
    """One reminder of one request on one day: unique, so it is never sent twice."""

    request = models.ForeignKey(DocumentRequest, on_delete=models.CASCADE, related_name="reminders")
    on = models.DateField()
    # Days from the due date (-7, -1, 0, 7, 14…).
    offset = models.SmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]
        constraints = [models.UniqueConstraint(fields=["request", "on"], name="docrequest_reminder_once_per_day")]

    def __str__(self) -> str:
        return f"reminder {self.request_id} {self.on}"
