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
            from comptoir.core.management.commands.serve import EXTRA_PROCESSES

            if ("smtpsink", ["smtpsink"]) not in EXTRA_PROCESSES:
                EXTRA_PROCESSES.append(("smtpsink", ["smtpsink"]))

    def _register_panels(self) -> None:
        from comptoir.ged import extensions

        register = getattr(extensions, "document_panel_register", None)
        if register is not None:
            register(extensions.DocumentPanel(key="deliveries", url_name="delivery:document_badges",
                                              firm_staff_only=False, order=50))
