from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "comptoir.delivery"
    label = "delivery"
    verbose_name = "Envois aux partenaires"

    def ready(self) -> None:
        from django.conf import settings

        from comptoir.delivery.notifications import FAILURE_REPORTS
        from comptoir.jobs.scheduler import periodic_job_register

        # Failure notices are grouped into one email per firm per run of this job.
        periodic_job_register(FAILURE_REPORTS)
        self._register_panels()
        if settings.COMPTOIR_SMTP_SINK:
            # `comptoir serve` also runs the local SMTP sink that EMAIL_URL points at by default.
            from comptoir.core.processes import embedded_process_register

            embedded_process_register("smtpsink", ["smtpsink"])

    def _register_panels(self) -> None:
        from comptoir.ged.extensions import Panel, document_panels

        document_panels.register(Panel(key="deliveries", url_name="delivery:document_badges", order=50))
