from django.apps import AppConfig


class DocRequestsConfig(AppConfig):
    name = "comptoir.docrequests"
    label = "docrequests"
    verbose_name = "Demandes de documents"

    def ready(self) -> None:
        from comptoir.docrequests.jobs import REMINDERS, TEMPLATES
        from comptoir.docrequests.mail_in import docrequest_mail_route
        from comptoir.docrequests.services.answers import docrequest_document_entered
        from comptoir.ged.events import document_entered_subscribe
        from comptoir.intake.routes import mail_route_register
        from comptoir.jobs.scheduler import periodic_job_register

        # Reminders and recurring requests run at 09:00 in each firm's time zone.
        periodic_job_register(REMINDERS)
        periodic_job_register(TEMPLATES)
        # A mail to a request's address is routed by intake to the request's folder; the deposit
        # (direct, or at the approval of a quarantined file) then marks the request answered.
        mail_route_register(docrequest_mail_route)
        document_entered_subscribe(docrequest_document_entered)
