from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from xinyong.demo.data import DEMO_PASSWORD, DEMO_USERS, load

NAMES = "、".join(username for username, *_ in DEMO_USERS)


class Command(BaseCommand):
    help = ("Load demo units, users and subjects (idempotent) and print the demo logins. "
            "The demo accounts' password is published: with XINYONG_DEBUG off (production) "
            "this refuses to run unless given --force.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--force", action="store_true",
                            help="load the demo even with XINYONG_DEBUG off")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                f"未载入演示数据：XINYONG_DEBUG 未开启，按生产环境对待。演示账号（{NAMES}）"
                "的密码是公开的，不能出现在生产环境。在本机试用请设置 XINYONG_DEBUG=1，"
                "或加 --force 强制载入。")
        logins = load()
        if not settings.DEBUG:
            self.stderr.write(f"注意：XINYONG_DEBUG 未开启，已按 --force 载入演示账号（{NAMES}），"
                              "其密码是公开的；正式上线前请删除这些账号或修改其密码。")
        self.stdout.write("demo data loaded; demo logins (password for all: "
                          f"{DEMO_PASSWORD}):")
        for login in logins:
            self.stdout.write(f"  {login.username:<10} {login.role:<12} {login.note}")
