from django.apps import AppConfig


class GedConfig(AppConfig):
    name = "comptoir.ged"
    label = "ged"
    verbose_name = "GED"
