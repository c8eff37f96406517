from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xinyong.accounts.services import create_institution
from xinyong.lib.errors import DomainError


class Command(BaseCommand):
    help = ("Financial institutions (金融机构, 信易贷): `institution create CODE --name NAME "
            "[--region NNNNNN]` (CODE is the institution's USCC).")

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a bank or other lender")
        create.add_argument("code", metavar="CODE")
        create.add_argument("--name", required=True)
        create.add_argument("--region", default="", metavar="NNNNNN",
                            help="行政区划代码: whose 信易贷 measures its checks answer with")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            institution = create_institution(options["code"], options["name"],
                                             region=options["region"])
        except DomainError as exc:
            where = "CODE" if exc.field == "code" else "--" + exc.field
            raise CommandError(f"{where}：{exc.msg}") from None
        self.stdout.write(f"created institution {institution.code} {institution.name}")
