"""`comptoir serve`: everything on the embedded defaults, in one command.

Migrates (when a migration is missing: a data dir copied from a migrated one starts at once), seeds
the demo on a first start, then supervises the web server and one process holding
the listeners the apps registered (mail-in, the local SMTP sink, the demo's fake Upflow) and the
worker, as child processes, from a supervisor that does not load Django (`comptoir.ops.supervisor`). It lives
in `ops`, the top of the dependency line, because it drives every app (the demo is `web`'s).
"""

import json
import os
import socket
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections

from comptoir.core.mailers import smtp_relay
from comptoir.core.metrics import metrics_files_clear
from comptoir.core.processes import embedded_listeners, embedded_processes
from comptoir.web.demo import demo_needed, demo_seed

PORTS_HELP = """
ports (each one must be free; what moves it):
  web server             --port (default 8000)
  mail-in (collection)   COMPTOIR_MAILIN_PORT (default 2525)
  local SMTP sink        EMAIL_URL=smtp://127.0.0.1:PORT (default 8025); COMPTOIR_SMTP_SINK=0 turns it off
  fake Upflow (demo)     COMPTOIR_FAKE_UPFLOW_PORT (default 8040); COMPTOIR_FAKE_UPFLOW=0 turns it off
  fake PA (demo)         its own COMPTOIR_FAKE_PA_* variable, when that connector is installed
other variables: COMPTOIR_DATA_DIR (data dir), DATABASE_URL, SECRET_KEY, COMPTOIR_BASE_URL
"""


class Command(BaseCommand):
    help = "Run Comptoir on its embedded defaults: web server, worker, demo data."

    def create_parser(self, prog_name, subcommand, **kwargs):
        import argparse

        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        parser.epilog = PORTS_HELP
        return parser

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-demo", action="store_true", help="do not seed the demo firm on a first start")

    def handle(self, *args, host, port, no_demo, **options):
        # Before anything else starts: a taken port is said in one line, with what moves it.
        self._ports_check(host=host, port=port)
        if migrations_pending():
            call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        metrics_files_clear()
        self._seed_demo(no_demo=no_demo)
        children = self._start_children(host=host, port=port)
        self.stdout.write("Démarrage du serveur web…")
        self.stdout.flush()
        # « prêt » is printed by the supervisor when the web server answers, not before.
        url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}/comptes/connexion/"  # noqa: S104
        self._supervise(children, ready={"url": url, "message": f"Comptoir est prêt : http://{host}:{port}/  "
                                                                 "(Ctrl+C pour arrêter)"})

    def _ports_check(self, *, host: str, port: int) -> None:
        registered = {name for name, _ in embedded_listeners()}
        wanted = [(host, port, "le serveur web", "l'option --port")]
        if "mail-in" in registered:
            wanted.append(("127.0.0.1", settings.COMPTOIR_MAILIN_PORT, "les boîtes de collecte (mail-in)",
                           "la variable COMPTOIR_MAILIN_PORT"))
        if "smtpsink" in registered:
            relay = smtp_relay()
            wanted.append((relay.host or "127.0.0.1", relay.port or 8025,
                           "la boîte d'envoi locale (SMTP)", "la variable EMAIL_URL (smtp://127.0.0.1:PORT)"))
        if "fake-upflow" in registered:
            wanted.append(("127.0.0.1", settings.COMPTOIR_FAKE_UPFLOW_PORT, "l'Upflow local (démo)",
                           "la variable COMPTOIR_FAKE_UPFLOW_PORT"))
        if "fake-pa" in registered:
            wanted.append(("127.0.0.1", settings.COMPTOIR_FAKE_PA_PORT, "la plateforme agréée locale (démo)",
                           "la variable COMPTOIR_FAKE_PA_PORT"))
        for bind_host, bind_port, purpose, mover in wanted:
            if not port_free(bind_host, bind_port):
                self.stderr.write(f"Le port {bind_port} ({purpose}) est déjà utilisé sur {bind_host} : "
                                  f"arrêtez ce qui l'occupe ou choisissez-en un autre avec {mover}.")
                raise SystemExit(1)

    def _seed_demo(self, *, no_demo: bool) -> None:
        if no_demo:
            return
        if not demo_needed():
            self._logins_repeat()
            return
        firm, company, logins = demo_seed()
        self.stdout.write(self.style.SUCCESS(f"Démo créée : cabinet « {firm} », entreprise « {company} »"))
        self.stdout.write(f"  Administrateur du cabinet : {logins.admin_email} / {logins.admin_password}")
        self.stdout.write(f"  Utilisateur client        : {logins.client_email} / {logins.client_password}")
        self.stdout.write("  « Traiteur Démo » : son adresse Upflow est refusée (550) par la boîte d'envoi locale, "
                          "pour voir un échec puis le corriger.")
        (settings.DATA_DIR / "demo-logins.txt").write_text(
            f"{logins.admin_email} {logins.admin_password}\n{logins.client_email} {logins.client_password}\n"
        )

    def _logins_repeat(self) -> None:
        """On a restart, the demo's logins again, while the demo firm and its first password are still there."""
        from comptoir.accounts.models import User

        saved = settings.DATA_DIR / "demo-logins.txt"
        if not saved.exists():
            return
        lines = [line.split(" ", 1) for line in saved.read_text().splitlines() if " " in line]
        if len(lines) < 2 or not User.objects.filter(email=lines[0][0], is_active=True).exists():
            return
        self.stdout.write(f"  Administrateur du cabinet : {lines[0][0]} / {lines[0][1]}")
        self.stdout.write(f"  Utilisateur client        : {lines[1][0]} / {lines[1][1]}")

    def _start_children(self, *, host: str, port: int) -> list[tuple[str, list[str]]]:
        # Links in emails (invitations) must point where this server actually listens; the children
        # inherit the environment through the supervisor.
        os.environ.setdefault("COMPTOIR_BASE_URL", f"http://{host}:{port}")
        # One Django process for the background: the listeners (local SMTP sink, mail-in, fake Upflow)
        # start first, so the worker's first send finds them, then the worker runs in the same process
        # (four threads: one alone is saturated by a steady 20 deposits/s; four fit two small cores).
        # The scale profile runs `worker`, `mail-in` and `smtpsink` as processes of their own.
        others = [(name, argv) for name, argv in embedded_processes() if name != "listeners"]
        return [
            ("listeners+worker", ["listeners", "--worker-concurrency", "4"]),
            *others,
            # Preloaded: the two gunicorn workers share the app's pages with their master.
            ("web", ["web", "--host", host, "--port", str(port), "--no-collectstatic", "--preload"]),
        ]

    def _supervise(self, children: list[tuple[str, list[str]]], *, ready: dict) -> None:
        """Hand over to `comptoir.ops.supervisor` in place (same pid): Django is not needed past here,
        and a supervisor holding it costs ~80 MB at rest."""
        connections.close_all()
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, [sys.executable, "-m", "comptoir.ops.supervisor", json.dumps(children),  # noqa: S606
                                  json.dumps(ready)])


def migrations_pending() -> bool:
    """Whether `migrate` has anything to do (it costs seconds even when it has not: checks, signals)."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections["default"])
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def port_free(host: str, port: int) -> bool:
    """Whether a listener could bind host:port now (SO_REUSEADDR: a closing connection does not count)."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError:
            return False
    return True
