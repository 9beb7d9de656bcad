from django.apps import AppConfig


class FirmsConfig(AppConfig):
    name = "comptoir.firms"
    label = "firms"
