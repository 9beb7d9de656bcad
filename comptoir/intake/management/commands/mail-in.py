"""`comptoir mail-in`: the collection mailboxes' SMTP (or LMTP) listener."""

import logging
import signal
import threading

from django.core.management.base import BaseCommand

from comptoir.intake.smtp import MailInController, mail_max_bytes


class Command(BaseCommand):
    help = "Receive mail for the collection mailboxes (SMTP, or LMTP behind the firm's MTA)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2525)
        parser.add_argument("--lmtp", action="store_true", help="speak LMTP instead of SMTP")

    def handle(self, *args, host, port, lmtp, **options):
        # aiosmtpd logs every command at INFO: keep our own lines, and its warnings.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        controller = MailInController(host=host, port=port, lmtp=lmtp)
        controller.start()
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        self.stdout.write(f"mail-in ({'LMTP' if lmtp else 'SMTP'}) sur {host}:{controller.port}, "
                          f"taille maximale {mail_max_bytes()} octets")
        self.stdout.flush()
        try:
            while not stop.wait(1):
                pass
        finally:
            controller.stop()
