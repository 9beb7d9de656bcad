"""`comptoir fake-pa`: the local plateforme agréée (AFNOR Flow Service) on loopback, for the demo."""

from django.conf import settings
from django.core.management.base import BaseCommand

from comptoir.core.processes import server_run_until_stopped
from comptoir.einvoicing.fake_pa import fake_pa_demo
from comptoir.einvoicing.fake_pa.server import FakePa


class Command(BaseCommand):
    help = "Run the local fake plateforme agréée on 127.0.0.1 (demo and tests only)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=None, help="default: COMPTOIR_FAKE_PA_PORT")
        parser.add_argument("--account", action="append", default=[],
                            help="client_id:secret:siren accepted by the fake (repeatable)")

    def handle(self, *args, port: int | None, account: list[str], **options):
        fake = FakePa(port=settings.COMPTOIR_FAKE_PA_PORT if port is None else port)
        for item in account:
            client_id, secret, siren = (item.split(":") + ["", ""])[:3]
            fake.account_add(client_id, secret, siren=siren)
        fake_pa_demo(fake)
        fake.start()
        self.stdout.write(f"Plateforme agréée locale (fausse) : API {fake.api_url}/v1/ — jetons {fake.token_url}")
        server_run_until_stopped(fake)
