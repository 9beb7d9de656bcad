from django.core.management.base import BaseCommand
from django.utils import timezone

from comptoir.jobs.scheduler import periodic_jobs_status


class Command(BaseCommand):
    help = "List the periodic jobs run by the workers, with their last and next run."

    def handle(self, *args, **options):
        for status in periodic_jobs_status():
            last = status.last_run
            done = (f"{timezone.localtime(last.due_at):%Y-%m-%d %H:%M:%S} {last.outcome} ({last.worker})"
                    if last else "jamais")
            scope = f" [{status.scope}]" if status.scope else ""
            self.stdout.write(f"{status.name}{scope}: dernier {done}; "
                              f"prochain {timezone.localtime(status.next_due):%Y-%m-%d %H:%M:%S}")
