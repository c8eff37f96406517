from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xinyong.scores.refresh import refresh
from xinyong.subjects.models import Subject


class Command(BaseCommand):
    help = ("Points and grades: `scores refresh` recomputes and stores every subject's "
            "points and grade now (what the nightly task does); `--subject ID` (repeatable) "
            "only those subjects.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("refresh", help="recompute the stored points and grades")
        run.add_argument("--subject", type=int, action="append", metavar="ID",
                         help="a subject's id (repeat for several); default: every subject")

    def handle(self, *args: Any, **options: Any) -> None:
        wanted = options["subject"]
        if wanted:
            missing = sorted(set(wanted) - set(
                Subject.objects.filter(pk__in=wanted).values_list("pk", flat=True)))
            if missing:
                raise CommandError(f"--subject：没有编号为 {', '.join(map(str, missing))} 的信用主体")
        run = refresh(wanted)
        self.stdout.write(f"refresh {run.pk}: {run.subjects} results computed, "
                          f"{run.changed} changed, as of {run.as_of}")
