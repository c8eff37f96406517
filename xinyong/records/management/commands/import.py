"""`xinyong import FILE --unit CODE`: a bulk file, with a progress bar and an error file.

`xinyong import --resume JOB` runs a job that was left queued or running (its worker died,
the server restarted): it takes the job over once its lease has expired, and refuses
while another run of it is alive.
"""

from __future__ import annotations

import sys
import threading
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xinyong.accounts.models import Unit
from xinyong.jobs import leases
from xinyong.lib.errors import DomainError
from xinyong.policies.choices import SEVERITY
from xinyong.records import imports
from xinyong.records.models import ImportJob
from xinyong.subjects import codes


class Command(BaseCommand):
    help = "Import a CSV or XLSX file of records for a unit (runs in this process), or resume a job."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", metavar="FILE", nargs="?")
        parser.add_argument("--unit", metavar="CODE", help="the unit's USCC")
        parser.add_argument("--accept-partial", action="store_true",
                            help="import the good rows even if some rows are bad")
        parser.add_argument("--severity", choices=SEVERITY.values,
                            help="severity for rows (and files) that have none")
        parser.add_argument("--resume", type=int, metavar="JOB",
                            help="run an unfinished job (left by a worker that died)")
        parser.add_argument("--timings", action="store_true",
                            help="print the seconds spent in each stage (parse, validate ...)")

    def handle(self, *args: Any, **options: Any) -> None:
        job = self._resumed(options["resume"]) if options["resume"] else self._created(options)
        if job.finished:
            self._report(job)
            return
        done = threading.Event()
        watcher = threading.Thread(target=self._progress, args=(job.pk, done), daemon=True)
        watcher.start()
        try:
            job = imports.run(job.pk)
        except leases.JobBusy as exc:
            raise CommandError(f"--resume：{exc}") from None
        except KeyboardInterrupt:
            leases.give_up(job, "导入在命令行中被中断，未导入任何记录；请重新导入该文件")
            raise CommandError("已中断：该任务未导入任何记录") from None
        finally:
            done.set()
            watcher.join()
        self.stderr.write("")
        if options["timings"]:
            # Stages run by the reading thread overlap those of the merge: they do not add up.
            self.stdout.write("timings: " + " ".join(
                f"{stage}={seconds:.2f}" for stage, seconds in getattr(job, "timings", {}).items()))
        self._report(job)

    def _created(self, options: dict[str, Any]) -> ImportJob:
        if not options["file"]:
            raise CommandError("FILE：必填（或用 --resume JOB 继续未完成的任务）")
        if not options["unit"]:
            raise CommandError("--unit：必填，填写报送单位的统一社会信用代码")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"FILE：找不到文件 {path}")
        unit = Unit.objects.filter(code=codes.normalize(options["unit"])).first()
        if unit is None:
            raise CommandError(f"--unit：没有统一社会信用代码为 {options['unit']} 的成员单位")
        if not unit.is_active:
            raise CommandError(f"--unit：{imports.inactive_unit(unit)}（{unit.code}）")
        try:
            return imports.create_job(unit, path, accept_partial=options["accept_partial"],
                                      default_severity=options["severity"], enqueue=False)
        except DomainError as exc:
            raise CommandError(f"FILE：{exc.msg}") from None

    def _resumed(self, job_id: int) -> ImportJob:
        job = ImportJob.objects.filter(pk=job_id).first()
        if job is None:
            raise CommandError(f"--resume：没有编号为 {job_id} 的导入任务")
        if job.finished:
            self.stdout.write(f"import {job.pk} has already ended ({job.status}); nothing to resume")
        return job

    def _report(self, job: ImportJob) -> None:
        self.stdout.write(f"import {job.pk}: {job.status}; rows {job.total}, accepted "
                          f"{job.accepted}, duplicates {job.duplicates}, rejected {job.rejected}")
        if job.rejected or job.status == "failed":
            self.stdout.write(f"errors: {imports.error_path(job)}")
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
