import signal
import threading

from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.management.base import BaseCommand

from comptoir.core.mailers import smtp_relay
from comptoir.delivery.sink import SinkHandler, outbox_dir


class Command(BaseCommand):
    help = "Local SMTP sink (embedded mode): every message received is kept as an .eml in DATA_DIR/outbox/."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=None, help="default: EMAIL_URL's host (loopback)")
        parser.add_argument("--port", type=int, default=None, help="default: EMAIL_URL's port")

    def handle(self, *args, host, port, **options):
        relay = smtp_relay()  # the relay MAILERS["delivery"] names: EMAIL_URL's loopback default
        host = host or relay.host or "127.0.0.1"
        port = port or relay.port or 8025
        # A fixed server name: aiosmtpd would otherwise look up this machine's FQDN on every connection.
        controller = Controller(SinkHandler(outbox_dir()), hostname=host, port=port,
                                server_hostname=settings.MAIL_DOMAIN)
        controller.start()
        self.stdout.write(f"Boîte d'envoi locale : smtp://{host}:{port} → {outbox_dir()}")
        self.stdout.flush()
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        try:
            stop.wait()
        finally:
            controller.stop()
