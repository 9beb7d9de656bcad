from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations endpoints: /healthz and /metrics. Read-only; no models."""

    name = "comptoir.ops"
    label = "ops"
