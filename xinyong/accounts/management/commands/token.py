from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xinyong.accounts.models import User
from xinyong.accounts.services import issue_token


class Command(BaseCommand):
    help = "API tokens: `token create NAME` prints a new token for user NAME as the last line."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create an API token for a user")
        create.add_argument("username", metavar="NAME")
        create.add_argument("--label", default="命令行创建", help="what the token is for")

    def handle(self, *args: Any, **options: Any) -> None:
        user = (User.objects.select_related("unit")
                .filter(username=options["username"], is_active=True).first())
        if user is None:
            raise CommandError(f"NAME：没有用户名为“{options['username']}”的有效用户")
        if user.unit is not None and not user.unit.is_active:
            raise CommandError(f"NAME：用户“{user.username}”所属的成员单位“{user.unit.name}”已停用")
        token, raw = issue_token(user, options["label"])
        self.stderr.write(f"token {token.prefix}… for {user.username} ({user.role}); "
                          "it is shown once:")
        self.stdout.write(raw)
