from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("Run background workers: the delivery and mail outboxes, queued tasks, periodic jobs "
            "(SIGTERM finishes current sends and hands back the rest).")

    def add_arguments(self, parser):
        parser.add_argument("--concurrency", type=int, default=1, help="threads in this process")
        parser.add_argument("--poll-interval", type=float, default=0.1,
                            help="seconds between sweeps when idle (one per process: threads take turns)")

    def handle(self, *args, concurrency, poll_interval, **options):
        from comptoir.delivery.worker import DeliveryWorker

        DeliveryWorker(concurrency=concurrency, poll_interval=poll_interval).run()
