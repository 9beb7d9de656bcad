from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "comptoir.delivery"
    label = "delivery"
