from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "comptoir.web"
    label = "web"

    def ready(self) -> None:
        from comptoir.ged.extensions import folder_tree_news
        from comptoir.jobs.scheduler import periodic_job_register
        from comptoir.web.digest import DIGESTS
        from comptoir.web.selectors import folders_with_unseen_deposits

        periodic_job_register(DIGESTS)
        if folders_with_unseen_deposits not in folder_tree_news:
            folder_tree_news.append(folders_with_unseen_deposits)
