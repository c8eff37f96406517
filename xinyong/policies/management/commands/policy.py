"""`xinyong policy list|load|validate|whatif|event|coverage`."""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone

from xinyong.lib.errors import DomainError
from xinyong.policies import coverage, events, loader, whatif
from xinyong.policies.models import STATUS_LABELS, PolicyPack, status_on
from xinyong.policies.rulebook import events as happened_events


class Command(BaseCommand):
    help = ("Policy packs: list, load PATH, validate PATH, whatif PATH, event CODE --on DATE, "
            "coverage.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="the packs loaded, their versions and status today")
        load = sub.add_parser("load", help="validate and load pack files (a new version if changed)")
        load.add_argument("paths", nargs="*", metavar="PATH")
        load.add_argument("--shipped", action="store_true", help="the packs shipped with Xinyong")
        load.add_argument("--no-whatif", action="store_true",
                          help="load without printing the what-if of the changed packs first")
        validate = sub.add_parser("validate", help="validate pack files without loading them")
        validate.add_argument("paths", nargs="+", metavar="PATH")
        what = sub.add_parser("whatif", help="what draft packs would change, writing nothing")
        what.add_argument("paths", nargs="+", metavar="PATH")
        what.add_argument("--date", metavar="YYYY-MM-DD", help="the day to compare on (today)")
        what.add_argument("--examples", type=int, default=whatif.EXAMPLES, metavar="N",
                          help="examples per kind of change")
        what.add_argument("--ids", metavar="FILE", help="write every changed record id to FILE")
        event = sub.add_parser("event", help="record an event that ends packs, with its date")
        event.add_argument("code", metavar="CODE")
        event.add_argument("--on", metavar="YYYY-MM-DD")
        event.add_argument("--note", default="")
        event.add_argument("--correct", action="store_true",
                           help="correct the date of an event already recorded (needs --reason)")
        event.add_argument("--withdraw", action="store_true",
                           help="withdraw an event recorded by mistake (needs --reason)")
        event.add_argument("--reason", default="", help="why the event is corrected or withdrawn")
        sub.add_parser("coverage", help="print docs/policies.md from the shipped packs")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "do_" + options["action"])(options)

    def _parse(self, paths: list[str]) -> list[loader.ParsedPack]:
        parsed, problems = [], []
        for path in paths:
            files = sorted(Path(path).glob("*.yaml")) if Path(path).is_dir() else [Path(path)]
            for file in files:
                try:
                    parsed.append(loader.parse_file(file))
                except loader.PackError as exc:
                    problems.extend(exc.problems)
        if problems:
            raise CommandError("规则包有误，未载入任何内容：\n" + "\n".join(problems))
        return parsed

    def do_list(self, options: dict[str, Any]) -> None:
        today = timezone.localdate()
        happened = happened_events()
        for row in PolicyPack.objects.select_related("current").order_by("pack_id"):
            v = row.current
            if v is None:
                continue
            status = status_on(v, happened, today)
            self.stdout.write(f"{row.pack_id:<20} v{v.number:<3} {STATUS_LABELS[status]:<6} "
                              f"{v.doc_number}  {v.title}")

    def do_load(self, options: dict[str, Any]) -> None:
        if not options["paths"] and not options["shipped"]:
            raise CommandError("PATH：请给出规则包文件或目录，或使用 --shipped")
        parsed = self._parse(options["paths"])
        if options["shipped"]:
            parsed += loader.shipped()
        try:
            if not options["no_whatif"]:
                self._print_whatif(parsed)
            results = loader.load(parsed)
        except loader.PackError as exc:
            raise CommandError("规则包有误，未载入任何内容：\n" + "\n".join(exc.problems)) from None
        for version, created in results:
            state = f"loaded as version {version.number}" if created else "unchanged"
            self.stdout.write(f"{version.pack.pack_id}: {state}")

    def do_validate(self, options: dict[str, Any]) -> None:
        parsed = self._parse(options["paths"])
        try:  # as `load` would: against the packs already loaded, where there is a database
            others = loader.current_packs({p.pack.id for p in parsed})
        except DatabaseError:
            others = []
        problems = loader.cross_pack_problems(others + [p.pack for p in parsed])
        if problems:
            raise CommandError("\n".join(problems))
        for p in parsed:
            self.stdout.write(f"{p.source_name}: OK ({p.pack.id}, {len(p.pack.clauses)} clauses, "
                              f"{len(p.pack.behaviors)} behaviors, {len(p.pack.measures)} measures)")

    def _print_whatif(self, parsed: list[loader.ParsedPack]) -> None:
        """The what-if of the packs that would get a new version (none: nothing printed, so
        `migrate` with unchanged shipped packs reads no records)."""
        from xinyong.policies.rulebook import current

        book = current()
        if not book.entries:
            return  # a new database: nothing in force to compare with
        changed = [p for p in parsed if not (
            (entry := book.entry(p.pack.id)) and self._sha(entry.version_id) == p.sha256)]
        if not changed:
            return
        report = whatif.evaluate(changed)
        self.stdout.write("试算（采用前）：")
        for line in report.lines():
            self.stdout.write(f"  {line}")

    @staticmethod
    def _sha(version_id: int) -> str:
        from xinyong.policies.models import PolicyVersion

        return PolicyVersion.objects.filter(pk=version_id).values_list("sha256", flat=True).first() or ""

    def do_whatif(self, options: dict[str, Any]) -> None:
        day = None
        if options["date"]:
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(f"--date：“{options['date']}”不是 YYYY-MM-DD 格式的日期") from None
        if options["examples"] < 0:
            raise CommandError("--examples：应为 0 或正整数")
        parsed = self._parse(options["paths"])
        try:
            report = whatif.evaluate(parsed, day, examples=options["examples"])
        except loader.PackError as exc:
            raise CommandError("规则包有误：\n" + "\n".join(exc.problems)) from None
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(f"速度：每秒 {report.rate:.0f} 条记录")
        if options["ids"]:
            with Path(options["ids"]).open("w", encoding="utf-8") as out:
                for pk in report.changed_record_ids:
                    out.write(f"{pk}\n")
            self.stdout.write(f"变化记录的编号已写入 {options['ids']}（{len(report.changed_record_ids)} 条）")

    def do_event(self, options: dict[str, Any]) -> None:
        if options["withdraw"]:
            if options["on"]:
                raise CommandError("--on：撤回事件时不填日期")
            try:
                events.correct_event(options["code"], None, options["reason"])
            except DomainError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"withdrew {options['code']}")
            return
        if not options["on"]:
            raise CommandError("--on：必填（事件发生日期，YYYY-MM-DD）")
        try:
            day = dt.date.fromisoformat(options["on"])
        except ValueError:
            raise CommandError(f"--on：“{options['on']}”不是 YYYY-MM-DD 格式的日期") from None
        if options["correct"]:
            try:
                corrected = events.correct_event(options["code"], day, options["reason"])
            except DomainError as exc:
                raise CommandError(str(exc)) from None
            assert corrected is not None
            self.stdout.write(f"corrected {corrected.code} to {corrected.occurred_on}")
            return
        try:
            event = events.record_event(options["code"], day, note=options["note"])
        except DomainError as exc:
            raise CommandError(f"CODE：{exc.msg}" if exc.field == "code" else str(exc)) from None
        self.stdout.write(f"recorded {event.code} on {event.occurred_on}")

    def do_coverage(self, options: dict[str, Any]) -> None:
        self.stdout.write(coverage.render([p.pack for p in loader.shipped()]), ending="")
