"""`xinyong import FILE --unit CODE`: a bulk file, with a progress bar and an error file."""

from __future__ import annotations

import sys
import threading
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xinyong.accounts.models import Unit
from xinyong.records import imports
from xinyong.records.models import ImportJob
from xinyong.subjects import codes


class Command(BaseCommand):
    help = "Import a CSV or XLSX file of records for a unit (runs in this process)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", metavar="FILE")
        parser.add_argument("--unit", required=True, metavar="CODE", help="the unit's USCC")
        parser.add_argument("--accept-partial", action="store_true",
                            help="import the good rows even if some rows are bad")
        parser.add_argument("--severity", choices=["minor", "general", "serious"],
                            help="severity for rows (and files) that have none")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"FILE：找不到文件 {path}")
        unit = Unit.objects.filter(code=codes.normalize(options["unit"])).first()
        if unit is None:
            raise CommandError(f"--unit：没有统一社会信用代码为 {options['unit']} 的成员单位")
        if not unit.is_active:
            raise CommandError(f"--unit：{imports.inactive_unit(unit)}（{unit.code}）")
        try:
            job = imports.create_job(unit, path, accept_partial=options["accept_partial"],
                                     default_severity=options["severity"], enqueue=False)
        except imports.ImportError_ as exc:
            raise CommandError(f"FILE：{exc.msg}") from None
        done = threading.Event()
        watcher = threading.Thread(target=self._progress, args=(job.pk, done), daemon=True)
        watcher.start()
        try:
            job = imports.run(job.pk)
        finally:
            done.set()
            watcher.join()
        self.stderr.write("")
        error_file = Path(job.file_path).with_suffix(".errors.csv")
        self.stdout.write(f"import {job.pk}: {job.status}; rows {job.total}, accepted "
                          f"{job.accepted}, duplicates {job.duplicates}, rejected {job.rejected}")
        if job.rejected or job.status == "failed":
            self.stdout.write(f"errors: {error_file}")
            for e in job.errors[:20]:
                self.stdout.write(f"  row {e['row']} {e['field']}: {e['msg']}")
        if job.status == "failed":
            raise CommandError(job.message)

    def _progress(self, job_id: int, done: threading.Event) -> None:
        from django.db import connection

        try:
            while not done.wait(0.5):
                job = ImportJob.objects.filter(pk=job_id).values("processed", "rejected").first()
                if job and sys.stderr.isatty():
                    bar = "#" * min(40, job["processed"] // 25000)
                    self.stderr.write(f"\r[{bar:<40}] {job['processed']} rows, "
                                      f"{job['rejected']} bad", ending="")
        finally:
            connection.close()
