from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run background workers: queued tasks and the delivery outbox (SIGTERM finishes current sends)."

    def add_arguments(self, parser):
        parser.add_argument("--concurrency", type=int, default=1, help="threads in this process")
        parser.add_argument("--poll-interval", type=float, default=0.1,
                            help="seconds between sweeps when idle (one per process: threads take turns)")
        parser.add_argument("--notify-interval", type=float, default=60.0,
                            help="seconds between failure reports to firm admins")

    def handle(self, *args, concurrency, poll_interval, notify_interval, **options):
        from comptoir.delivery.worker import DeliveryWorker

        DeliveryWorker(concurrency=concurrency, poll_interval=poll_interval, notify_interval=notify_interval).run()
