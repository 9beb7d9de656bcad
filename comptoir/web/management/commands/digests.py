from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("Send the digest emails that are due (daily/weekly, for those who asked). "
            "Run it from cron, or with --enqueue for a worker.")

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true",
                            help="enqueue the task for a worker instead of sending here")

    def handle(self, *args, enqueue, **options):
        if enqueue:
            from comptoir.web.tasks import digests_send

            digests_send.enqueue()
            self.stdout.write("Envoi des résumés confié à un worker.")
            return
        from comptoir.web.digest import digest_send_due

        self.stdout.write(f"Résumés envoyés : {digest_send_due()}")
