from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class WorkerProcess(models.Model):
    """A `comptoir worker` process: registered at start, heartbeat every few seconds, stopped at exit.

    A row whose heartbeat stopped without a stop (SIGKILL, a lost machine) is a dead worker: the
    sweep of any other worker takes its background tasks back (see `heartbeats.py`).
    """

    name = models.CharField(max_length=100, unique=True)
    started_at = models.DateTimeField()
    heartbeat_at = models.DateTimeField(db_index=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    # Set by the sweep that found it dead and took its work back.
    reaped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-heartbeat_at"]

    def __str__(self) -> str:
        return f"worker {self.name}"


class JobRunOutcome(models.TextChoices):
    RUNNING = "running", _("en cours")
    DONE = "done", _("terminé")
    ERROR = "error", _("erreur")


class PeriodicJobRun(models.Model):
    """One run of a registered periodic job for one due time: unique, so two workers never both run it."""

    job = models.CharField(max_length=100)
    # "" for a job of the whole portal; "firm:<id>" for a job run per firm (its time of day, its zone).
    scope = models.CharField(max_length=100, blank=True)
    due_at = models.DateTimeField()
    worker = models.CharField(max_length=100)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=JobRunOutcome.choices, default=JobRunOutcome.RUNNING)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-due_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["job", "scope", "due_at"], name="periodic_job_once_per_due")]
        indexes = [models.Index(fields=["job", "scope", "due_at"], name="periodic_job_last_idx")]

    def __str__(self) -> str:
        return f"{self.job}[{self.scope}] @ {self.due_at:%Y-%m-%d %H:%M}: {self.outcome}"


# The states every outbox row goes through: mail to people here, partner deliveries in `partners`
# (which adds its own: skipped, incomplete, cancelled). One list, so the two cycles keep one vocabulary;
# Django's choices enums cannot be subclassed once they have members, hence the functional form.
OUTBOX_STATES = (
    ("PENDING", ("pending", _("en attente"))),
    ("SENDING", ("sending", _("envoi en cours"))),
    ("RETRYING", ("retrying", _("nouvel essai prévu"))),
    ("SENT", ("sent", _("envoyé"))),
    ("FAILED", ("failed", _("échec"))),
    ("DEAD", ("dead", _("abandonné"))),
)


def outbox_status_choices(name: str, *, module: str, extra: tuple = ()) -> type[models.TextChoices]:
    """A `TextChoices` with the outbox states, then `extra` (members as `(NAME, (value, label))`)."""
    return models.TextChoices(name, [*OUTBOX_STATES, *extra], module=module)


MailStatus = outbox_status_choices("MailStatus", module=__name__)


class OutgoingMail(models.Model):
    """A mail to people (invitation, failure report…), queued in the transaction that decided it.

    The same outbox cycle as partner deliveries: claimed with a lease by a worker, sent outside any
    transaction, retried with backoff on transient errors; `key` makes it once (a second enqueue of
    the same key adds nothing).
    """

    key = models.CharField(max_length=200, unique=True)
    firm_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    sender_name = models.CharField(max_length=200, blank=True)
    to = models.JSONField(default=list)
    reply_to = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=500)
    body = models.TextField()
    # The HTML alternative in the firm's colours ("" = text only); the text part is always sent too.
    html_body = models.TextField(blank=True)
    # The body carries a secret (an invitation's token): both bodies are emptied once the mail is sent,
    # so the table never keeps a working link after it has done its job.
    secret = models.BooleanField(default=False)
    headers = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=MailStatus.choices, default=MailStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    leased_by = models.CharField(max_length=120, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="mail_due_idx")]
        constraints = [models.CheckConstraint(condition=~Q(key=""), name="mail_key_not_empty")]

    def __str__(self) -> str:
        return f"mail {self.key} {self.status}"
