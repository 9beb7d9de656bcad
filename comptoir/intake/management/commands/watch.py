"""`comptoir watch`: file what scanners and sync clients drop in the watched directories."""

import logging
import os
import signal
import threading

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from comptoir.intake.services.watch import DirectoryWatcher, watch_mappings_load

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Watch directories (mapping in the file named by COMPTOIR_WATCH) and deposit what appears in them."

    def add_arguments(self, parser):
        parser.add_argument("--config", default=os.environ.get("COMPTOIR_WATCH", ""),
                            help="JSON or TOML mapping file (default: $COMPTOIR_WATCH)")
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between polls")
        parser.add_argument("--once", action="store_true", help="two polls then exit (stable files are taken)")

    def handle(self, *args, config, interval, once, **options):
        if not config:
            raise CommandError("Indiquez le fichier de correspondance : COMPTOIR_WATCH=/chemin/watch.json")
        watchers = [DirectoryWatcher(mapping) for mapping in watch_mappings_load(config)]
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        for watcher in watchers:
            self.stdout.write(f"surveillance de {watcher.directory} → {watcher.mapping.folder}")
        passes, reported = 0, {id(watcher): 0 for watcher in watchers}
        while not stop.is_set():
            close_old_connections()
            for watcher in watchers:
                try:
                    for document in watcher.poll():
                        self.stdout.write(f"déposé : {document.name}")
                    for unsafe in watcher.refusals[reported[id(watcher)]:]:
                        self.stderr.write(f"refusé : {unsafe}")
                    reported[id(watcher)] = len(watcher.refusals)
                except Exception:
                    # A database or storage outage: the file stays in .processing/ and is retried.
                    logger.exception("watch: pass failed for %s", watcher.directory)
            passes += 1
            if once and passes >= 2:
                break
            stop.wait(interval)
