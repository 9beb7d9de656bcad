"""`comptoir serve`: everything on the embedded defaults, in one command.

Migrates, seeds the demo on a first start, then supervises the web server and the worker (and,
once they exist, the mail-in listener and the local SMTP sink) as child processes.
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from comptoir.core.metrics import metrics_files_clear
from comptoir.core.processes import embedded_processes


class Command(BaseCommand):
    help = "Run Comptoir on its embedded defaults: web server, worker, demo data."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-demo", action="store_true", help="do not seed the demo firm on a first start")

    def handle(self, *args, host, port, no_demo, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        metrics_files_clear()
        self._seed_demo(no_demo=no_demo)
        children = self._start_children(host=host, port=port)
        self.stdout.write(f"Comptoir est prêt : http://{host}:{port}/  (Ctrl+C pour arrêter)")
        self.stdout.flush()
        self._supervise(children)

    def _seed_demo(self, *, no_demo: bool) -> None:
        from comptoir.web.demo import demo_needed, demo_seed

        if no_demo or not demo_needed():
            return
        firm, company, logins = demo_seed()
        self.stdout.write(self.style.SUCCESS(f"Démo créée : cabinet « {firm} », entreprise « {company} »"))
        self.stdout.write(f"  Administrateur du cabinet : {logins.admin_email} / {logins.admin_password}")
        self.stdout.write(f"  Utilisateur client        : {logins.client_email} / {logins.client_password}")
        (settings.DATA_DIR / "demo-logins.txt").write_text(
            f"{logins.admin_email} {logins.admin_password}\n{logins.client_email} {logins.client_password}\n"
        )

    def _start_children(self, *, host: str, port: int) -> dict[str, subprocess.Popen]:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "comptoir.settings"}
        command = [sys.executable, "-m", "comptoir"]
        # The listeners (local SMTP sink, mail-in) start first, so the worker's first send finds them.
        processes = [
            *embedded_processes(),
            ("web", ["web", "--host", host, "--port", str(port), "--no-collectstatic"]),
            # Four threads: one alone is saturated by a steady 20 deposits/s; four fit two small cores.
            ("worker", ["worker", "--concurrency", "4"]),
        ]
        return {name: subprocess.Popen([*command, *argv], env=env) for name, argv in processes}  # noqa: S603

    def _supervise(self, children: dict[str, subprocess.Popen]) -> None:
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, process in children.items():
                    if process.poll() is not None:
                        self.stderr.write(f"{name} s'est arrêté (code {process.returncode}) : arrêt de Comptoir.")
                        stopping = True
                time.sleep(0.5)
        finally:
            for process in children.values():
                if process.poll() is None:
                    process.terminate()
            for process in children.values():
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
