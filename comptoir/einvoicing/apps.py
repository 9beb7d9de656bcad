from django.apps import AppConfig


class EinvoicingConfig(AppConfig):
    name = "comptoir.einvoicing"
    label = "einvoicing"
    verbose_name = "Facturation électronique (plateforme agréée)"

    def ready(self) -> None:
        from django.conf import settings

        from comptoir.einvoicing.partner import PlateformeAgreee
        from comptoir.einvoicing.sync import sync_job
        from comptoir.jobs.scheduler import periodic_job_register
        from comptoir.partners.catalogue.registry import partner_app_register

        # The PA joins the partners' catalogue from here: partners never imports this app.
        partner_app_register(PlateformeAgreee)
        # Invoices and statuses from every PA connection, read by the worker (so by `serve` too).
        periodic_job_register(sync_job())
        # The status badge, the history and the answer form on the document page (the GED imports nothing here).
        from comptoir.einvoicing.selectors import einvoice_badges_for_rows
        from comptoir.ged.extensions import Panel, document_panels

        document_panels.register(Panel(key="einvoice", url_name="einvoicing:document_einvoice", order=54,
                                       render_rows=einvoice_badges_for_rows))
        from comptoir.einvoicing.list_options import einvoice_list_options_register

        einvoice_list_options_register()
        if settings.COMPTOIR_FAKE_PA:
            from comptoir.core.processes import embedded_listener_register

            embedded_listener_register("fake-pa", "comptoir.einvoicing.fake_pa.fake_pa_listener_start")
