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
