"""Running and logging checks (pasted codes at once, files through the worker), and
recording feedback."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from xinyong.accounts.models import Role
from xinyong.audit.models import record as audit
from xinyong.checks import engine
from xinyong.checks.models import Check, CheckFile, Feedback
from xinyong.jobs import leases
from xinyong.lib import files, tabular
from xinyong.lib.errors import DomainError
from xinyong.lib.pii import mask_id_numbers
from xinyong.policies import rulebook

log = logging.getLogger(__name__)
MAX_FILE_BYTES = 10 * 1024 * 1024
# Column headings that name the code column of an uploaded file (compared lower-cased).
CODE_COLUMNS = {"subject_code", "统一社会信用代码", "证件号码", "id_number", "主体代码",
                "身份证号码", "代码"}




def run_check(user: Any, scenario: str, raw_codes: list[str], as_of: dt.date, *,
              request: Any = None) -> Check:
    book = rulebook.current()
    scenarios = book.scenarios()
    if scenario not in scenarios:
        raise DomainError("scenario", f"未知场景“{scenario}”；可用场景：{'、'.join(sorted(scenarios))}")
    if not raw_codes:
        raise DomainError("subjects", "至少需要一个主体代码")
    if len(raw_codes) > engine.MAX_SUBJECTS:
        raise DomainError("subjects", f"一次最多核查 {engine.MAX_SUBJECTS} 个主体，本次 {len(raw_codes)} 个")
    region = caller_region(user)
    results = engine.run(book, scenario, raw_codes, as_of, region)
    # The Check row is the check's log (who, when, scenario, results): one insert, no
    # separate audit event, because a check changes nothing and reads no full ID number.
    return Check.objects.create(
        unit_id=getattr(user, "unit_id", None), user=user, scenario=scenario, as_of=as_of,
        region=region, subject_count=len(results),
        restricted=sum(1 for r in results if r["verdict"] in ("restrict", "mixed")),
        incentivised=sum(1 for r in results if r["verdict"] in ("incentive", "mixed")),
        results=results,
    )


def caller_region(user: Any) -> str:
    """Whose measures apply: a department's unit region (packs governing it), the office's
    every pack (`engine.EVERYWHERE`: it runs the platform for all the packs' areas)."""
    if getattr(user, "role", None) == Role.OFFICE:
        return engine.EVERYWHERE
    unit = getattr(user, "unit", None)
    return unit.region if unit is not None else ""


def give_feedback(check: Check, user: Any, subject_id: int, measure: str, applied: bool,
                  note: str, *, request: Any = None) -> Feedback:
    answered = next((r for r in check.results if r.get("subject_id") == subject_id), None)
    if answered is None:
        raise DomainError("subject_id", "该主体不在本次核查结果中")
    if measure not in {m["code"] for m in answered["measures"]}:
        raise DomainError("measure", f"本次核查没有对该主体给出措施“{measure}”")
    try:
        with transaction.atomic():
            feedback = Feedback.objects.create(check_request=check, subject_id=subject_id,
                                               measure=measure, applied=applied, note=mask_id_numbers(note),
                                               user=user)
            audit("check.feedback", actor=user, request=request, obj=feedback,
                  summary=f"核查 #{check.pk} 反馈：{measure} {'已执行' if applied else '未执行'}")
    except IntegrityError:
        raise DomainError("measure", "已对该主体的这项措施反馈过") from None
    return feedback


def codes_in_file(path: Path) -> list[str]:
    """The codes of a CSV or XLSX: the column named like a code column, else the first one.

    A first row that names no code column but has no digit in its first cell is a heading.
    Read by a child process under limits (lib/tabular.py), like every upload.
    """
    found: list[str] = []
    column: int | None = None
    for row in tabular.rows(path):
        cells = [c.strip().lstrip("\ufeff") for c in row]
        if not any(cells):
            continue
        if column is None:
            named = [i for i, c in enumerate(cells) if c.lower() in CODE_COLUMNS]
            if named:
                column = named[0]
                continue
            column = 0
            if not any(ch.isdigit() for ch in cells[0]):
                continue  # a heading we do not know by name
        value = cells[column] if column < len(cells) else ""
        if value:
            found.append(value)
        if len(found) > engine.MAX_SUBJECTS * 2:
            break  # enough to say the file is too long
    return found


def queue_check_file(user: Any, scenario: str, upload: Any, as_of: dt.date, *,
                     request: Any = None) -> CheckFile:
    """Keep an uploaded file of codes (0600) and queue its check for the worker."""
    if scenario not in rulebook.current().scenarios():
        raise DomainError("scenario", f"未知场景“{scenario}”")
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in tabular.SUFFIXES:
        raise DomainError("file", "文件应为 .csv 或 .xlsx")
    try:
        path, size, sha256 = files.save_private(upload.chunks(), "checks", suffix, MAX_FILE_BYTES)
    except files.TooLarge:
        raise DomainError("file", f"文件不能超过 {MAX_FILE_BYTES // 1024 // 1024} MB") from None
    if not size:
        files.discard(path)
        raise DomainError("file", "文件是空的")
    try:
        with transaction.atomic():
            job = CheckFile.objects.create(
                unit_id=getattr(user, "unit_id", None), user=user, scenario=scenario, as_of=as_of,
                file_name=mask_id_numbers(Path(upload.name).name)[:255], file_path=str(path),
                sha256=sha256)
            audit("check.file", actor=user, request=request, obj=job,
                  summary=f"上传核查文件 {job.file_name}（{size} 字节）")
            from xinyong.checks.tasks import run_check_file_task

            transaction.on_commit(lambda: run_check_file_task.enqueue(job.pk))
    except BaseException:
        files.discard(path)
        raise
    return job


def run_check_file(job_id: int, owner: str | None = None) -> CheckFile:
    """Read the file's codes and run the check: one Check, however often this is run."""
    job = leases.claim(CheckFile, job_id, owner)
    if job.finished:
        files.discard(job.file_path)
        return job
    with leases.Heartbeat(job):
        try:
            found = codes_in_file(Path(job.file_path))
            if not found:
                raise DomainError("file", "文件中没有读到主体代码")
            with transaction.atomic():
                leases.lock_own(job)
                job.check_result = run_check(job.user, job.scenario, found, job.as_of)
                job.status, job.finished_at = "done", timezone.now()
                job.message = f"已核查 {len(found)} 个主体"
                job.save()
        except leases.LeaseLost:
            return CheckFile.objects.get(pk=job.pk)
        except DatabaseError:
            raise  # the worker runs it again once the database is back
        except (tabular.FileError, DomainError) as exc:
            _fail_file(job, exc.msg if isinstance(exc, DomainError) else str(exc))
        except Exception as exc:
            log.exception("check file %s failed", job.pk)
            _fail_file(job, f"核查文件时出错（{type(exc).__name__}），请联系信用办")
    files.discard(job.file_path)
    return job


def _fail_file(job: CheckFile, message: str) -> None:
    with transaction.atomic():
        leases.lock_own(job)
        job.status, job.message, job.finished_at = "failed", message[:500], timezone.now()
        job.save()
