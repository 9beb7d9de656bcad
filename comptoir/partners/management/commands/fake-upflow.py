"""`comptoir fake-upflow`: the local Upflow API on loopback, for the demo (`serve` starts it)."""

from django.core.management.base import BaseCommand

from comptoir.core.processes import server_run_until_stopped
from comptoir.partners.fake_upflow import DEMO_ACCOUNTS
from comptoir.partners.fake_upflow.server import FakeUpflow


class Command(BaseCommand):
    help = "Run the local fake Upflow API on 127.0.0.1 (demo and tests only)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8040)
        parser.add_argument("--account", action="append", default=[],
                            help="key:secret accepted by the fake (repeatable); demo:demo-secret by default")
        parser.add_argument("--latency", type=float, default=0.0,
                            help="seconds each API request takes at the fake, like a distant server (benchmarks)")

    def handle(self, *args, port: int, account: list[str], latency: float, **options):
        accounts = dict(item.split(":", 1) for item in account) or dict(DEMO_ACCOUNTS)
        fake = FakeUpflow(port=port, accounts=accounts).start()
        fake.set_latency(max(0.0, latency))
        self.stdout.write(f"Upflow local (faux) sur {fake.base_url} — page : http://127.0.0.1:{fake.port}/")
        server_run_until_stopped(fake)
