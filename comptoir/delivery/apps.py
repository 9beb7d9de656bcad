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
            from comptoir.core.processes import embedded_listener_register

            embedded_listener_register("smtpsink", "comptoir.delivery.sink.sink_listener_start")

    def _register_panels(self) -> None:
        from comptoir.delivery.views import document_badges_for_rows
        from comptoir.ged.extensions import Panel, document_panels

        document_panels.register(Panel(key="deliveries", url_name="delivery:document_badges", order=50,
                                       render_rows=document_badges_for_rows))
        # The GED's folder list redraws when a badge would change; its trash confirmation counts what was sent.
        from comptoir.delivery.selectors import deliveries_sent_sentence, deliveries_stamp_for_documents
        from comptoir.ged.extensions import document_list_stamps, folder_trash_facts

        for hooks, hook in ((document_list_stamps, deliveries_stamp_for_documents),
                            (folder_trash_facts, deliveries_sent_sentence)):
            if hook not in hooks:
                hooks.append(hook)
