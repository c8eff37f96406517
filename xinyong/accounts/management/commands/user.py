from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xinyong.accounts.models import Role
from xinyong.accounts.services import create_user
from xinyong.lib.errors import DomainError

ARGUMENT = {"username": "NAME", "role": "--role", "unit": "--unit", "subject": "--subject",
            "institution": "--institution", "password": "--password"}


class Command(BaseCommand):
    help = ("Users: `user create NAME --role ROLE [--unit CODE] [--subject CODE] "
            "[--institution CODE] [--password P]`.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a user with one role")
        create.add_argument("username", metavar="NAME")
        create.add_argument("--role", required=True, help=" | ".join(Role.values))
        create.add_argument("--unit", help="the member unit's USCC (role department)")
        create.add_argument("--subject", help="the subject's code (role subject)")
        create.add_argument("--institution", help="the institution's USCC (role institution)")
        create.add_argument("--password", help="without it the user cannot log in to the web UI; "
                            "at least 8 characters, not a common password, not like NAME or "
                            "--display-name (settings.AUTH_PASSWORD_VALIDATORS)")
        create.add_argument("--display-name", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = create_user(
                options["username"], options["role"], password=options["password"],
                unit_code=options["unit"], subject_code=options["subject"],
                institution_code=options["institution"],
                display_name=options["display_name"],
            )
        except DomainError as exc:
            raise CommandError(f"{ARGUMENT.get(exc.field, exc.field)}：{exc.msg}") from None
        self.stdout.write(f"created user {user.username} ({user.role})")
