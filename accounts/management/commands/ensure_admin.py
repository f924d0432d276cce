"""Create the first administrator with a random password, printed once. Safe to run again."""

import secrets

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create an administrator if none exists, printing its random password once."

    def add_arguments(self, parser):
        parser.add_argument("--email", default="admin@example.org")

    def handle(self, *args, email, **options):
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write(
                "An administrator already exists. To set a new password: "
                "python manage.py changepassword <email>"
            )
            return
        password = secrets.token_urlsafe(12)
        user = User.objects.create_superuser(email=email, password=password)
        # allauth requires a verified address before it lets anyone sign in.
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        self.stdout.write(self.style.SUCCESS("Administrator created. This password is shown once:"))
        self.stdout.write(f"  email:    {email}\n  password: {password}")
