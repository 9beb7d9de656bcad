from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "comptoir.partners"
    label = "partners"

    def ready(self) -> None:
        # The explicit registrations: the GED's "document entered folder" subscriber, and the switch
        # panel of the GED folder toolbar (the GED imports neither).
        from comptoir.ged.events import document_entered_subscribe
        from comptoir.ged.extensions import Panel, folder_panels
        from comptoir.partners.routing import deliveries_create_for_entry

        document_entered_subscribe(deliveries_create_for_entry)
        folder_panels.register(Panel(key="partners", url_name="partners:folder_switches", firm_staff_only=True,
                                     order=10))
        # The partners each subfolder sends to, beside it in the GED's folder view.
        from comptoir.ged.extensions import folder_badges
        from comptoir.partners.selectors import folder_partner_badges

        if folder_partner_badges not in folder_badges:
            folder_badges.append(folder_partner_badges)
        from comptoir.ged.extensions import document_panels

        document_panels.register(Panel(key="receivable", url_name="partners:document_receivable", order=55))
        # The folder list's sort and filter by delivery state.
        from comptoir.partners.list_options import delivery_list_options_register

        delivery_list_options_register()
        self._register_receivables()

    def _register_receivables(self) -> None:
        from django.conf import settings

        from comptoir.jobs.scheduler import periodic_job_register
        from comptoir.partners.receivables import sync_job

        # The payment status of invoices pushed by API, read back by the worker (so by `serve` too).
        periodic_job_register(sync_job())
        # E-invoices whose reading ran out of time, read again when the machine is quieter.
        from datetime import timedelta

        from comptoir.jobs.scheduler import PeriodicJob
        from comptoir.partners.routing import invoices_too_slow_reread

        periodic_job_register(PeriodicJob(name="invoices.reread_too_slow", every=timedelta(minutes=1),
                                          run=invoices_too_slow_reread))
        if settings.COMPTOIR_FAKE_UPFLOW:
            from comptoir.core.processes import embedded_listener_register

            # One more server thread in `serve`'s listeners process, not a Django process of its own.
            embedded_listener_register("fake-upflow", "comptoir.partners.fake_upflow.fake_upflow_listener_start")
