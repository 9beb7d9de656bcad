"""`comptoir listeners`: every listener the apps registered (mail-in, the local SMTP sink), in one process."""

import signal
import threading

from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from comptoir.core.processes import embedded_listeners


class Command(BaseCommand):
    help = "Run the embedded default's listeners (collection mailboxes, local SMTP sink) in one process."

    def handle(self, *args, **options):
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        running = []
        try:
            for name, starter in embedded_listeners():
                running.append(import_string(starter)())
                self.stdout.write(f"{name} : démarré")
            self.stdout.flush()
            while not stop.wait(1):
                pass
        finally:
            for listener in reversed(running):
                listener.stop()
