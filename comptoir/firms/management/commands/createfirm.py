from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from comptoir.firms.services import firm_create


class Command(BaseCommand):
    help = "Create a firm (tenant) and its first administrator."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-password", required=True)

    def handle(self, *args, name, admin_email, admin_password, **options):
        try:
            firm, admin = firm_create(name=name, admin_email=admin_email, admin_password=admin_password)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"Cabinet « {firm.name} » créé (slug {firm.slug}), administrateur {admin.email}")
