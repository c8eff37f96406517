"""Running and logging checks (pasted codes at once, files through the worker), and
recording feedback."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any, NamedTuple

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from xinyong.accounts.models import Role
from xinyong.audit.models import record as audit
from xinyong.checks import engine
from xinyong.checks.models import INSTITUTION_SCENARIO, Check, CheckFile, Feedback, FeedbackChange
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




class Logged(NamedTuple):
    """A check as answered and logged: what the API returns of it, and the log row."""

    id: int
    scenario: str
    as_of: dt.date
    results: list[dict[str, Any]]
    columns: dict[str, Any]  # the Check row as written, by attribute name


_LOG_FIELDS = [f for f in Check._meta.concrete_fields if not f.primary_key]
# The check's log row: one INSERT, no model instance, no save(). Not prepared: planning an
# INSERT of values costs next to nothing.
_LOG_SQL = (
    f"INSERT INTO {Check._meta.db_table} "  # noqa: S608 (names from the model only)
    f"({', '.join(f.column for f in _LOG_FIELDS)}) "
    f"VALUES ({', '.join(['%s'] * len(_LOG_FIELDS))}) RETURNING {Check._meta.pk.column}")


def _known_scenario(book: rulebook.Rulebook, scenario: str) -> None:
    scenarios = book.scenarios()
    if scenario not in scenarios:
        raise DomainError("scenario", f"未知场景“{scenario}”；可用场景：{'、'.join(sorted(scenarios))}")


def check(user: Any, scenario: str, raw_codes: list[str], as_of: dt.date) -> Logged:
    """Answer a check and log it (the API's path: no model instance is made)."""
    # The scenario is checked against the rules last built here, and the rules in force are
    # read with the look-up (engine.run_in_force); refused only by the rules in force now.
    book = rulebook.latest()
    if book is None or scenario not in book.scenarios():
        book = rulebook.current()
    _known_scenario(book, scenario)
    institution = getattr(user, "role", None) == Role.INSTITUTION
    institution_id = getattr(user, "institution_id", None) if institution else None
    if institution and scenario != INSTITUTION_SCENARIO:
        raise DomainError("scenario", f"金融机构只能在“信易贷”场景（{INSTITUTION_SCENARIO}）核查",
                          status=403)
    if not raw_codes:
        raise DomainError("subjects", "至少需要一个主体代码")
    if len(raw_codes) > engine.MAX_SUBJECTS:
        raise DomainError("subjects", f"一次最多核查 {engine.MAX_SUBJECTS} 个主体，本次 {len(raw_codes)} 个")
    region = caller_region(user)
    book, results = engine.run_in_force(scenario, raw_codes, as_of, region)
    _known_scenario(book, scenario)  # the packs may have changed since
    # The Check row is the check's log (who, when, scenario, results): one insert, no
    # separate audit event, because a check changes nothing and reads no full ID number.
    columns = {
        "unit_id": getattr(user, "unit_id", None), "institution_id": institution_id,
        "user_id": user.pk, "scenario": scenario, "as_of": as_of, "region": region,
        "created_at": timezone.now(), "subject_count": len(results),
        "restricted": sum(1 for r in results if r["verdict"] in ("restrict", "mixed")),
        "incentivised": sum(1 for r in results if r["verdict"] in ("incentive", "mixed")),
        "results": results,
    }
    # The values as save() adapts them: the dates by the database's rules, the results as
    # the JSON field writes them (json.dumps, no encoder); the rest as they are.
    ops = connection.ops
    columns_in = {**columns, "as_of": ops.adapt_datefield_value(as_of),
                  "created_at": ops.adapt_datetimefield_value(columns["created_at"]),
                  "results": json.dumps(results)}
    with connection.cursor() as cursor:
        cursor.execute(_LOG_SQL, [columns_in[f.attname] for f in _LOG_FIELDS])
        found = cursor.fetchone()
    columns[Check._meta.pk.attname] = found[0]
    return Logged(found[0], scenario, as_of, results, columns)


def run_check(user: Any, scenario: str, raw_codes: list[str], as_of: dt.date, *,
              request: Any = None) -> Check:
    """`check`, its log row as a Check (for the pages and the worker)."""
    columns = check(user, scenario, raw_codes, as_of).columns
    names = [f.attname for f in Check._meta.concrete_fields]
    return Check.from_db(connection.alias, names, [columns[n] for n in names])


def caller_region(user: Any) -> str:
    """Whose measures apply: a department's unit region (packs governing it), the office's
    every pack (`engine.EVERYWHERE`: it runs the platform for all the packs' areas)."""
    if getattr(user, "role", None) == Role.OFFICE:
        return engine.EVERYWHERE
    if getattr(user, "role", None) == Role.INSTITUTION and getattr(user, "institution_id", None):
        return user.institution.region  # type: ignore[no-any-return]
    unit = getattr(user, "unit", None)
    return unit.region if unit is not None else ""


MAX_FEEDBACK_TEXT = 1000


def _said(applied: bool) -> str:
    return "已执行" if applied else "未执行"


def give_feedback(check: Check, user: Any, subject_id: int, measure: str, applied: bool,
                  note: str, *, reason: str = "", request: Any = None) -> Feedback:
    """Record what the caller did with a measure for a subject. A measure answered before
    is corrected, with a reason (更正理由, required), never overwritten silently: each
    version is kept as a FeedbackChange. `created` on the result says which it was."""
    answered = next((r for r in check.results if r.get("subject_id") == subject_id), None)
    if answered is None:
        raise DomainError("subject_id", "该主体不在本次核查结果中")
    if measure not in {m["code"] for m in answered["measures"]}:
        raise DomainError("measure", f"本次核查没有对该主体给出措施“{measure}”")
    note = mask_id_numbers((note or "").strip())
    reason = mask_id_numbers((reason or "").strip())
    for field, text in (("note", note), ("reason", reason)):
        if len(text) > MAX_FEEDBACK_TEXT:
            raise DomainError(field, f"不能超过 {MAX_FEEDBACK_TEXT} 字")
    try:
        with transaction.atomic():
            feedback = (Feedback.objects.select_for_update()
                        .filter(check_request=check, subject_id=subject_id, measure=measure).first())
            if feedback is None:
                feedback = Feedback.objects.create(check_request=check, subject_id=subject_id,
                                                   measure=measure, applied=applied, note=note,
                                                   user=user)
                FeedbackChange.objects.create(feedback=feedback, applied=applied, note=note, user=user)
                audit("check.feedback", actor=user, request=request, obj=feedback,
                      summary=f"核查 #{check.pk} 反馈：{measure} {_said(applied)}")
                feedback.created = True  # type: ignore[attr-defined]
                return feedback
            _correct(feedback, user, applied, note, reason, request=request)
    except IntegrityError:  # answered at the same moment by someone else
        raise DomainError("reason", "已对该主体的这项措施反馈过；如需更正，请写明更正理由") from None
    feedback.created = False  # type: ignore[attr-defined]
    return feedback


def _correct(feedback: Feedback, user: Any, applied: bool, note: str, reason: str, *,
             request: Any) -> None:
    """Correct a feedback (locked by the caller) and keep the version it replaces."""
    if not reason:
        was = _said(feedback.applied)
        raise DomainError("reason", f"已对该主体的这项措施反馈过（{was}）；如需更正，请写明更正理由")
    if (feedback.applied, feedback.note) == (applied, note):
        raise DomainError("applied", f"与现有反馈（{_said(applied)}）相同，无需更正")
    if not feedback.changes.exists():  # type: ignore[attr-defined]
        # Given before versions were kept: its first answer becomes the first version.
        FeedbackChange.objects.create(feedback=feedback, applied=feedback.applied, note=feedback.note,
                                      user_id=feedback.user_id)
    before = _said(feedback.applied)
    feedback.applied, feedback.note, feedback.user = applied, note, user
    feedback.corrected_at = timezone.now()
    feedback.save(update_fields=["applied", "note", "user", "corrected_at"])
    FeedbackChange.objects.create(feedback=feedback, applied=applied, note=note, reason=reason,
                                  user=user)
    audit("check.feedback_correct", actor=user, request=request, obj=feedback,
          summary=f"核查 #{feedback.check_request_id} 更正反馈：{feedback.measure} "
                  f"{before} → {_said(applied)}；理由：{reason}")


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
