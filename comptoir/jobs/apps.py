from django.apps import AppConfig


class JobsConfig(AppConfig):
    """Background work shared by every area: the worker registry, the wake-up, periodic jobs, mail to people.

    It sits just above `core` (`core ← jobs ← accounts, firms ← …`), so any app may register a job
    or queue a mail; the `comptoir worker` processes (in `delivery`) run them.
    """

    name = "comptoir.jobs"
    label = "jobs"
    verbose_name = "Travaux en arrière-plan"
