from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xinyong.accounts.services import AccountError, create_unit


class Command(BaseCommand):
    help = "Member units: `unit create CODE --name NAME` (CODE is the unit's USCC)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a member unit")
        create.add_argument("code", metavar="CODE")
        create.add_argument("--name", required=True)
        create.add_argument("--region", default="", metavar="NNNNNN",
                            help="行政区划代码, e.g. 350105 (马尾区), 320585 (太仓市)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            unit = create_unit(options["code"], options["name"], region=options["region"])
        except AccountError as exc:
            where = "CODE" if exc.field == "code" else "--" + exc.field
            raise CommandError(f"{where}：{exc.msg}") from None
        self.stdout.write(f"created unit {unit.code} {unit.name}"
                          + (f" region {unit.region}" if unit.region else ""))
