from typing import Any

from django.core.management.base import BaseCommand

from xinyong.demo.data import DEMO_PASSWORD, load


class Command(BaseCommand):
    help = "Load demo units, users and subjects (idempotent) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        logins = load()
        self.stdout.write("demo data loaded; demo logins (password for all: "
                          f"{DEMO_PASSWORD}):")
        for login in logins:
            self.stdout.write(f"  {login.username:<10} {login.role:<12} {login.note}")
