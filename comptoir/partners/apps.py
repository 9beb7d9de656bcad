from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "comptoir.partners"
    label = "partners"

    def ready(self) -> None:
        # The explicit registration of the GED's "document entered folder" subscriber.
        from comptoir.ged.events import document_entered_subscribe
        from comptoir.partners.routing import deliveries_create_for_entry

        document_entered_subscribe(deliveries_create_for_entry)
