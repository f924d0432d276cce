from django.core.management import call_command
from django.core.management.base import BaseCommand

from home.demo import DemoBuilder


class Command(BaseCommand):
    help = "Build the demo campaign site. Safe to run again: nothing is duplicated."

    def handle(self, *args, **options):
        DemoBuilder(stdout=self.stdout).build()
        call_command("update_index", verbosity=0)
