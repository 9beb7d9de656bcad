"""`comptoir rotate-credentials`: re-encrypt partner API secrets with the first COMPTOIR_CREDENTIAL_KEYS key."""

from django.core.management.base import BaseCommand

from comptoir.partners.services import connection_secrets_rotate


class Command(BaseCommand):
    help = "Re-encrypt every stored partner API secret with the first key of COMPTOIR_CREDENTIAL_KEYS."

    def handle(self, *args, **options):
        self.stdout.write(f"{connection_secrets_rotate()} secret(s) re-encrypted.")
