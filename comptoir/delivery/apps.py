from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "comptoir.delivery"
    label = "delivery"
    verbose_name = "Envois aux partenaires"

    def ready(self) -> None:
        from django.conf import settings

        from comptoir.delivery.tasks import deliveries_wakeup
        from comptoir.partners.wakeups import delivery_wakeup_register

        delivery_wakeup_register(deliveries_wakeup)
        self._register_panels()
        if settings.COMPTOIR_SMTP_SINK:
            # `comptoir serve` also runs the local SMTP sink that EMAIL_URL points at by default.
            from comptoir.core.processes import embedded_listener_register

            embedded_listener_register("smtpsink", "comptoir.delivery.sink.sink_listener_start")

    def _register_panels(self) -> None:
        from comptoir.ged.extensions import Panel, document_panels

        document_panels.register(Panel(key="deliveries", url_name="delivery:document_badges", order=50))
