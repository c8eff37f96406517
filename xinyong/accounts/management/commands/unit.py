from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xinyong.accounts.models import Unit
from xinyong.accounts.services import create_unit, set_unit_region
from xinyong.lib.errors import DomainError


class Command(BaseCommand):
    help = ("Member units: `unit create CODE --name NAME [--region NNNNNN]` (CODE is the "
            "unit's USCC); `unit region CODE --region NNNNNN` sets an existing unit's region.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a member unit")
        create.add_argument("code", metavar="CODE")
        create.add_argument("--name", required=True)
        create.add_argument("--region", default="", metavar="NNNNNN",
                            help="行政区划代码, e.g. 350105 (马尾区), 320585 (太仓市)")

        region = sub.add_parser("region", help="set the 行政区划代码 of an existing unit")
        region.add_argument("code", metavar="CODE")
        region.add_argument("--region", required=True, metavar="NNNNNN")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "region":
            unit = Unit.objects.filter(code=options["code"].strip().upper()).first()
            if unit is None:
                raise CommandError(f"CODE：没有统一社会信用代码为 {options['code']} 的成员单位")
            try:
                set_unit_region(unit, options["region"], via="cli")
            except DomainError as exc:
                raise CommandError(f"--{exc.field}：{exc.msg}") from None
            self.stdout.write(f"unit {unit.code} region {unit.region}")
            return
        try:
            unit = create_unit(options["code"], options["name"], region=options["region"])
        except DomainError as exc:
            where = "CODE" if exc.field == "code" else "--" + exc.field
            raise CommandError(f"{where}：{exc.msg}") from None
        self.stdout.write(f"created unit {unit.code} {unit.name}"
                          + (f" region {unit.region}" if unit.region else ""))
