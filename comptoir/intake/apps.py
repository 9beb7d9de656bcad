from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "comptoir.intake"
    label = "intake"

    def ready(self) -> None:
        # The deposit channels' pieces of the GED folder toolbar, loaded by the GED page with htmx.
        from comptoir.ged.extensions import Panel, folder_panels

        folder_panels.register(Panel(key="intake-phone", url_name="intake:phone_panel", order=20))
        folder_panels.register(Panel(key="intake-zip", url_name="intake:zip_panel", order=30))

        # `comptoir serve` also runs the collection mailboxes' listener on loopback.
        from comptoir.core.processes import embedded_listener_register

        embedded_listener_register("mail-in", "comptoir.intake.smtp.mail_in_listener_start")
