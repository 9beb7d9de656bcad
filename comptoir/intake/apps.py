from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "comptoir.intake"
    label = "intake"
