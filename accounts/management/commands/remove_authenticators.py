"""Remove someone's second factor when they have lost both their phone and their recovery codes.
They set up a new authenticator app the next time they use the admin."""

from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Remove a person's authenticator app and recovery codes, so they can set up new ones."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        user = get_user_model().objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"Nobody signs in with {email}.")
        removed, _ = Authenticator.objects.filter(user=user).delete()
        self.stdout.write(
            f"Removed {removed} authenticator(s). They will be asked to set up a new one "
            "the next time they use the admin."
        )
