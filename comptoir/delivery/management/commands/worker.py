from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("Run background workers: the delivery and mail outboxes, queued tasks, periodic jobs "
            "(SIGTERM finishes current sends and hands back the rest).")

    def add_arguments(self, parser):
        parser.add_argument("--concurrency", type=int, default=1,
                            help="send threads in this process (deliveries and mails; they run nothing else)")
        parser.add_argument("--background", type=int, default=1,
                            help="background threads: queued tasks and periodic jobs (0: none in this process)")
        parser.add_argument("--poll-interval", type=float, default=0.1,
                            help="seconds between sweeps when idle (one per process: threads take turns)")

    def handle(self, *args, concurrency, background, poll_interval, **options):
        from comptoir.delivery.worker import DeliveryWorker

        DeliveryWorker(concurrency=concurrency, background=background, poll_interval=poll_interval).run()
