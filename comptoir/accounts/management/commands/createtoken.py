from django.core.management.base import BaseCommand, CommandError

from comptoir.accounts.models import User
from comptoir.accounts.services import api_token_create


class Command(BaseCommand):
    help = "Create an API bearer token for a user; prints the token alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", default="cli")

    def handle(self, *args, email, name, **options):
        user = User.objects.filter(email=email.strip().lower(), is_active=True).first()
        if user is None:
            raise CommandError(f"Aucun utilisateur actif avec l'adresse {email}")
        _, raw = api_token_create(user=user, name=name)
        self.stdout.write(f"Jeton créé pour {user.email} (affiché une seule fois) :")
        self.stdout.write(raw)
