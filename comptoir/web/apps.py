from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "comptoir.web"
    label = "web"

    def ready(self) -> None:
        from comptoir.jobs.scheduler import periodic_job_register
        from comptoir.web.digest import DIGESTS

        periodic_job_register(DIGESTS)
