"""`comptoir listeners`: every listener the apps registered (mail-in, the local SMTP sink, the demo's
fake Upflow), in one process; with `--worker-concurrency`, the background worker too (what `serve`
runs: one Django process at rest instead of two)."""

import signal
import threading

from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from comptoir.core.processes import embedded_listeners


class Command(BaseCommand):
    help = "Run the embedded default's listeners (collection mailboxes, local SMTP sink) in one process."

    def add_arguments(self, parser):
        parser.add_argument("--worker-concurrency", type=int, default=0,
                            help="also run the background worker here, with this many threads (0: no worker)")

    def handle(self, *args, worker_concurrency: int, **options):
        running = []
        try:
            for name, starter in embedded_listeners():
                running.append(import_string(starter)())
                self.stdout.write(f"{name} : démarré")
            self.stdout.flush()
            if worker_concurrency:
                from comptoir.delivery.worker import DeliveryWorker

                # In the main thread: it handles SIGTERM (current sends finish, the rest is handed back).
                DeliveryWorker(concurrency=worker_concurrency).run()
            else:
                stop = threading.Event()
                signal.signal(signal.SIGTERM, lambda *_: stop.set())
                signal.signal(signal.SIGINT, lambda *_: stop.set())
                while not stop.wait(1):
                    pass
        finally:
            for listener in reversed(running):
                listener.stop()
