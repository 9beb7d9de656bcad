from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run background workers (django.tasks database backend)."

    def add_arguments(self, parser):
        parser.add_argument("--concurrency", type=int, default=1)

    def handle(self, *args, concurrency, **options):
        call_command("db_worker")
