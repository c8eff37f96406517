"""The bulk import pipeline: stream, check and determine every row, stage, merge once.

1. Each row is read, validated and determined in Python (the rules are plain functions)
   and written to the staging table: COPY on PostgreSQL, batched inserts on SQLite.
2. One transaction merges the staged rows with set-based SQL: new subjects, then records
   (`ON CONFLICT DO NOTHING` against the idempotency constraints), then marks the job done.
   Either everything of the file lands or nothing does; a second import of the same file,
   or a rerun after a killed worker, adds nothing twice.
3. One run at a time: a run holds the job's lease (jobs/leases.py) and stages under its
   own attempt number; a second run of a live job refuses, a run of a dead one takes over.
   The uploaded file is deleted when the job ends, its error file (masked) is kept.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from xinyong.accounts.models import Unit
from xinyong.audit.models import record as audit
from xinyong.exchange.models import PENALTY
from xinyong.exchange.outbox import note_import
from xinyong.jobs import leases
from xinyong.lib import files, tabular
from xinyong.lib.errors import DomainError
from xinyong.lib.pii import mask_id_numbers
from xinyong.lists.models import Membership
from xinyong.lists.services import sync_import
from xinyong.policies import rulebook
from xinyong.policies.choices import SEVERITY
from xinyong.records import bulk
from xinyong.records import determination as d
from xinyong.records.models import ImportJob, ImportRow, Record, Ruling
from xinyong.records.services import Submission
from xinyong.subjects import codes
from xinyong.subjects.models import Subject

log = logging.getLogger(__name__)

STAGED = ["job_id", "attempt", "row_no", "unit_id", "kind", "name", "code", "code_digest", "code_cipher",
          "code_masked", "behavior", "polarity", "policy_version_id", "severity", "occurred_on",
          "decided_on", "decision_no", "facts", "force_majeure", "epidemic_duty", "rectify_by",
          "external_id", "violation_type", "severity_derived", "penalty", "status", "starts_on",
          "repairable_from", "ends_on", "lists", "ruling_id"]
# The staging table's column types, for the chunks' frames (records/columns.py); a frame
# carries its rulings' keys (String) in ruling_id until `Determiner.resolve`.
STAGED_TYPES = [pl.Int64, pl.Int64, pl.Int64, pl.Int64, pl.String, pl.String, pl.String,
                pl.String, pl.String, pl.String, pl.String, pl.String, pl.Int64, pl.String,
                pl.Date, pl.Date, pl.String, pl.String, pl.Boolean, pl.Boolean, pl.Date,
                pl.String, pl.String, pl.Boolean, pl.String, pl.String, pl.Date, pl.Date,
                pl.Date, pl.String, pl.String]
BATCH = 5000
CHUNK = 5_000  # rows read, checked and staged at a time (memory stays flat)
KEEP_ERRORS = 1000  # in the job row; the error file has them all
DETERMINATION_CACHE = 20_000  # distinct facts remembered per file
CODE_CACHE = 20_000  # distinct subject codes remembered per file
MAX_BYTES = 512 * 1024 * 1024
ANALYZE_AFTER = 10_000  # records added by one import before statistics are refreshed




def create_job(unit: Unit, upload: UploadedFile | Path, *, actor: Any = None,
               accept_partial: bool = False, default_severity: str | None = None,
               request: Any = None, enqueue: bool = True) -> ImportJob:
    """Store the file (0600, random name), create a queued job, hand it to the worker after
    commit."""
    if not unit.is_active:
        raise DomainError("unit", inactive_unit(unit))
    name = upload.name if isinstance(upload, Path) else (upload.name or "upload")
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise DomainError("file", "文件应为 .csv 或 .xlsx")
    if default_severity and default_severity not in SEVERITY:
        raise DomainError("default_severity", "应为轻微（minor）、一般（general）或严重（serious）")
    chunks = files.file_chunks(upload) if isinstance(upload, Path) else upload.chunks()
    try:
        target, size, sha256 = files.save_private(chunks, "imports", suffix, MAX_BYTES)
    except files.TooLarge:
        raise DomainError("file", f"文件过大（上限 {MAX_BYTES // 1024 // 1024} MB）") from None
    if size == 0:
        files.discard(target)
        raise DomainError("file", "文件是空的")
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                unit=unit, created_by=actor if getattr(actor, "is_authenticated", False) else None,
                file_name=mask_id_numbers(Path(name).name)[:255], file_path=str(target),
                sha256=sha256, accept_partial=accept_partial,
                default_severity=default_severity or "",
            )
            audit("import.create", actor=actor, request=request, obj=job,
                  summary=f"上传批量文件 {job.file_name}（{size} 字节）")
            if enqueue:
                from xinyong.records.tasks import run_import_task

                transaction.on_commit(lambda: run_import_task.enqueue(job.pk))
    except BaseException:
        files.discard(target)  # no job, no file
        raise
    return job


def error_path(job: ImportJob) -> Path:
    """The job's error file (every bad row), kept after the upload itself is deleted."""
    return Path(job.file_path).with_suffix(".errors.csv")


def error_download(job: ImportJob, *, actor: Any = None, request: Any = None) -> tuple[bytes, str]:
    """The error file's bytes and a file name. Its rows hold the original cells (ID numbers
    included, for fixing), so every download is audited."""
    path = error_path(job)
    content = (path.read_bytes() if path.exists() and path.stat().st_size > 3
               else "\ufeff行号,错误原因\n".encode())
    audit("import.errors_download", actor=actor, request=request, obj=job,
          summary=f"下载批量文件 {job.file_name} 的错误行（{job.rejected} 行）")
    return content, f"{Path(job.file_name).stem}-错误行.csv"


def inactive_unit(unit: Unit) -> str:
    return f"成员单位“{unit.name}”已停用，不能导入信用记录"


class Stager:
    """Writes staged rows: COPY on PostgreSQL (a chunk's frame as CSV, parsed by the
    server into the final types), executemany elsewhere."""

    def __init__(self, table: str = "records_importrow", columns: list[str] = STAGED) -> None:
        self.table, self.columns = table, columns
        self.rows: list[tuple[Any, ...]] = []
        self.count = 0

    def add(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row)
        if len(self.rows) >= BATCH:
            self.flush()

    def add_chunk(self, staged: pl.DataFrame | list[tuple[Any, ...]]) -> None:
        """A chunk's staged rows: a frame (columns named as the table's) or tuples."""
        if isinstance(staged, pl.DataFrame):
            self.add_frame(staged)
        else:
            for row in staged:
                self.add(row)

    def add_frame(self, frame: pl.DataFrame) -> None:
        """A chunk's staged rows at once, its columns named as the table's."""
        if frame.is_empty():
            return
        connection.ensure_connection()
        if connection.vendor != "postgresql":
            for row in frame.select(self.columns).iter_rows():
                self.add(row)
            return
        self.flush()
        text = io.BytesIO()
        frame.select(self.columns).write_csv(
            text, include_header=False, null_value="\\N", quote_style="non_numeric",
            date_format="%Y-%m-%d")
        with connection.connection.cursor() as cursor, cursor.copy(
            f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN "
            "WITH (FORMAT csv, NULL '\\N')"
        ) as copy:
            copy.write(text.getbuffer())
        self.count += frame.height

    def flush(self) -> None:
        if not self.rows:
            return
        connection.ensure_connection()
        if connection.vendor == "postgresql":
            raw = connection.connection
            with raw.cursor() as cursor, cursor.copy(
                f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN"
            ) as copy:
                for row in self.rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(self.columns))
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {self.table} ({', '.join(self.columns)}) VALUES ({marks})",  # noqa: S608 (constants only)
                    self.rows,
                )
        self.count += len(self.rows)
        self.rows = []


class Codes:
    """Per-job cache of validated codes: a subject appears in many rows of one file."""

    def __init__(self) -> None:
        self.cache: dict[tuple[str, str], tuple[str, str, str, str]] = {}

    def columns(self, kind: str, number: str) -> tuple[str, str, str, str]:
        key = (kind, number)
        found = self.cache.get(key)
        if found is None:
            if kind == codes.PERSON:
                found = ("", codes.digest(number), codes.encrypt(number), codes.mask(kind, number))
            else:
                found = (number, codes.digest(number), "", number)
            if len(self.cache) >= CODE_CACHE:
                self.cache.clear()
            self.cache[key] = found
        return found

    def frame(self, pairs: pl.DataFrame) -> pl.DataFrame:
        """The stored columns of distinct (kind, code) pairs: each person's number hashed
        and encrypted once."""
        found = [self.columns(kind, code) for kind, code in pairs.iter_rows()]
        return pairs.with_columns(pl.DataFrame(
            found, schema=["stored_code", "code_digest", "code_cipher", "code_masked"],
            orient="row"))


def run(job_id: int, today: dt.date | None = None, owner: str | None = None) -> ImportJob:
    """Process a queued job, or take over one whose run died, to the end. Safe to run again.

    Raises leases.JobBusy while another run of the job is alive. A database that goes
    away mid-run raises through (the worker runs the job again once it is back); any other
    error fails the job with a message the uploader sees. Either way nothing is half-merged.
    """
    job = leases.claim(ImportJob, job_id, owner)
    if job.finished:
        files.discard(job.file_path)
        return job
    with leases.Heartbeat(job) as heartbeat:
        try:
            return _run(job, today or timezone.localdate(), heartbeat)
        except leases.LeaseLost:
            log.warning("import %s: taken over by another run; this run stops", job.pk)
            return ImportJob.objects.get(pk=job.pk)
        except DatabaseError:
            raise
        except Exception as exc:
            log.exception("import %s failed", job.pk)
            detail = mask_id_numbers(f"{type(exc).__name__}: {exc}")[:200]
            message = f"导入时出错，本文件未导入任何记录（{detail}）；请联系信用办"
            return _fail(job, message, [{"row": 0, "field": "file", "msg": message}])


class RecordRows:
    """How rows of a records file (行政处罚 and our own columns) are checked, staged and
    merged: every row determined by the rules (a bounded cache of distinct facts)."""

    kind = bulk.RECORDS
    table = "records_importrow"
    columns = STAGED
    threadsafe = True  # converting and determining touch no database (`resolve` does)

    def __init__(self, job: ImportJob, today: dt.date) -> None:
        self.job, self.today = job, today
        self.options = bulk.Options(default_severity=job.default_severity or None)
        self.determiner = Determiner(rulebook.current(), today)
        self.codes = Codes()

    def convert(self, values: dict[str, str], number: int) -> tuple[Any, list[bulk.RowError]]:
        return bulk.to_submission(values, number, self.options)

    def resolve(self, frame: pl.DataFrame) -> pl.DataFrame:
        return self.determiner.resolve(frame)

    def process(self, mapping: dict[int, str], chunk: list[tuple[int, list[str]]]
                ) -> tuple[pl.DataFrame, list[bulk.Reject]]:
        """A chunk of rows by column (records/columns.py)."""
        from xinyong.records.columns import Chunks

        if getattr(self, "chunks", None) is None:
            self.chunks = Chunks(self, mapping)
        out = self.chunks.process(chunk)
        return out.staged, out.rejects

    def stage(self, number: int, sub: Submission) -> tuple[Any, ...] | DomainError:
        outcome = self.determiner(sub.facts_for_rules(self.job.unit.region))
        if isinstance(outcome, DomainError):
            return outcome
        return _staged(self.job, number, sub, outcome, self.codes)

    @staticmethod
    def clear(job_id: int) -> None:
        ImportRow.objects.filter(job_id=job_id).delete()

    def merge_rows(self, cursor: Any, job: ImportJob, now: Any, table: str) -> int:
        pg = connection.vendor == "postgresql"
        records_sql = RECORDS.format(
            table=table,
            json_lists="s.lists::jsonb" if pg else "s.lists",
            json_penalty="NULLIF(s.penalty, '')::jsonb" if pg else "NULLIF(s.penalty, '')",
            false="false" if pg else "0",
            order="ORDER BY s.row_no" if pg else "AND true ORDER BY s.row_no",
        )
        cursor.execute(records_sql, [job.created_by_id, now, now, job.pk, job.attempts])
        return int(cursor.rowcount)

    def finish(self, cursor: Any, job: ImportJob) -> None:
        sync_import(job.pk)
        note_import(PENALTY, job.pk, cursor)  # the upward exchange's outbox


def pipelines() -> dict[str, Any]:
    """Each kind of bulk file and its rows' pipeline (licences live in their own app)."""
    from xinyong.licences.imports import LicenceRows

    return {bulk.RECORDS: RecordRows, bulk.LICENCES: LicenceRows}


def _clear_staging(job_id: int) -> None:
    for pipeline in pipelines().values():
        pipeline.clear(job_id)


class Refused(Exception):
    """The run ends without merging anything: the message and errors for the job."""

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors if errors is not None else [{"row": 0, "field": "file", "msg": message}]


def _run(job: ImportJob, today: dt.date, heartbeat: leases.Heartbeat) -> ImportJob:
    _clear_staging(job.pk)  # leftovers of earlier runs
    if not job.unit.is_active:  # deactivated after its users queued the file
        return _fail_inactive(job)
    if not Path(job.file_path).is_file():
        message = "上传的文件已不在服务器上，无法继续导入；请重新上传"
        return _fail(job, message, [{"row": 0, "field": "file", "msg": message}])
    job.total = job.processed = job.accepted = job.rejected = job.duplicates = 0
    job.errors = []
    job.estimated_rows = tabular.estimate_rows(Path(job.file_path))
    ImportJob.objects.filter(pk=job.pk).update(
        total=0, processed=0, accepted=0, rejected=0, duplicates=0, errors=[],
        estimated_rows=job.estimated_rows)
    watch = Stopwatch()
    job.timings = watch.seconds  # type: ignore[attr-defined]  # for `xinyong import --timings`
    try:
        with watch("parse"):
            table = bulk.Table(Path(job.file_path))
        pipeline = pipelines()[table.kind](job, today)
        pipeline.watch = watch
        if job.kind != table.kind:
            job.kind = table.kind
            ImportJob.objects.filter(pk=job.pk).update(kind=table.kind)
        # PostgreSQL merges each chunk as it comes, in one transaction, while a thread reads
        # and determines the next (both cores busy); SQLite, one writer for the whole
        # database, stages every row first and merges in one short transaction at the end.
        if connection.vendor == "postgresql" and hasattr(pipeline, "merge_rows"):
            with transaction.atomic():
                merger = ChunkMerger(job, pipeline)
                _read(job, table, pipeline, merger.add, heartbeat, watch, in_transaction=True)
                with watch("merge"):
                    if not _lock_for_merge(job):
                        raise Refused(inactive_unit(job.unit), [
                            {"row": 0, "field": "unit", "msg": inactive_unit(job.unit)}])
                    _done(job, pipeline, merger.inserted, merger.staged, watch)
        else:
            stager = Stager(pipeline.table, pipeline.columns)
            def stage(staged: Any) -> None:
                with watch("stage"):
                    stager.add_chunk(staged)

            _read(job, table, pipeline, stage, heartbeat, watch, in_transaction=False)
            with watch("stage"):
                stager.flush()
            if not merge(job, pipeline, watch):
                return _fail_inactive(job)
    except tabular.FileError as exc:
        return _fail(job, str(exc), [{"row": 0, "field": "file", "msg": str(exc)}])
    except Refused as exc:
        return _fail(job, exc.message, exc.errors)
    files.discard(job.file_path)
    if job.accepted >= ANALYZE_AFTER:
        with watch("statistics"):
            refresh_statistics()
    log.info("import %s stages: %s", job.pk,
             ", ".join(f"{name} {seconds:.1f}s" for name, seconds in watch.seconds.items()))
    if pipeline.kind == bulk.RECORDS and job.accepted:
        from xinyong.scores.tasks import refresh_import_task

        refresh_import_task.enqueue(job.pk)  # the subjects' points and grades, set-based
    return job


def _read(job: ImportJob, table: bulk.Table, pipeline: Any, add: Any,
          heartbeat: leases.Heartbeat, watch: Stopwatch, *, in_transaction: bool) -> None:
    """Every row of the file through the pipeline, a chunk at a time, each chunk's staged
    rows to `add`, bad rows to the error file. Raises Refused when the file is not to be
    merged (no rows; bad rows and not accept_partial)."""
    rejected = 0
    kept_errors: list[dict[str, Any]] = []
    with files.open_private(error_path(job), "w", encoding="utf-8-sig", newline="") as error_file:
        errors_out = ErrorFile(csv.writer(error_file), table.header, table.mapping)
        for size, staged, rejects in _processed(table, pipeline, watch):
            add(pipeline.resolve(staged) if hasattr(pipeline, "resolve") else staged)
            for _, errors, cells in rejects:
                rejected += 1  # one bad row, however many problems it has
                errors_out.write(errors, cells)
                kept_errors.extend(e.as_dict() for e in errors[:max(0, KEEP_ERRORS - len(kept_errors))])
            job.total += size
            job.processed += size
            heartbeat.check()
            progress = {"total": job.total, "processed": job.processed, "rejected": rejected}
            if in_transaction:  # the job's row is written by the heartbeat's own connection
                heartbeat.progress(**progress)
            else:
                ImportJob.objects.filter(pk=job.pk).update(**progress)
    heartbeat.check()
    job.rejected = rejected
    job.errors = kept_errors
    if job.total == 0:
        raise Refused("文件中没有数据行")
    if rejected and not job.accept_partial:
        raise Refused(f"有 {job.rejected} 行有误，整个文件未导入（可改正后重新上传，"
                      "或选择只导入正确的行）", kept_errors)


def _processed(table: bulk.Table, pipeline: Any, watch: Stopwatch
               ) -> Iterator[tuple[int, Any, list[bulk.Reject]]]:
    """(rows, staged rows, rejects) of each chunk, in order. A pipeline that touches no
    database while it converts (`threadsafe`) is run by a thread, one chunk ahead, so the
    reading and determining of a chunk overlaps the writing of the one before."""
    def work(chunk: list[tuple[int, list[str]]]) -> tuple[int, Any, list[bulk.Reject]]:
        if hasattr(pipeline, "process"):
            staged, rejects = pipeline.process(table.mapping, chunk)
        else:
            staged, rejects = bulk.stage_rows(pipeline, table.mapping, chunk)
        return len(chunk), staged, rejects

    def chunks() -> Iterator[list[tuple[int, list[str]]]]:
        source = table.chunks(CHUNK)
        while True:
            with watch("parse"):
                chunk = next(source, None)
            if chunk is None:
                return
            yield chunk

    if not getattr(pipeline, "threadsafe", False):
        yield from (work(chunk) for chunk in chunks())
        return
    source = chunks()

    def next_done() -> tuple[int, Any, list[bulk.Reject]] | None:
        chunk = next(source, None)
        return None if chunk is None else work(chunk)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-read") as pool:
        ahead = pool.submit(next_done)
        while (done := ahead.result()) is not None:
            ahead = pool.submit(next_done)  # the next chunk is read while this one is written
            yield done


class Stopwatch:
    """Seconds per stage of a run, summed (threads included: each adds its own time)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._lock = threading.Lock()

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            with self._lock:
                self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - start


class ErrorFile:
    """The rows a job rejected, as the uploader wrote them, under the file's own header,
    with 行号 and 错误原因 added: fix the cells and upload the file again as it is (the
    reader ignores the two extra columns). Written as rows stream, so memory stays flat.
    It holds the full original values (the uploader needs them to fix the row): it is
    private (0600), for the unit's users and the office only."""

    HEADING = ["行号", "错误原因"]

    def __init__(self, writer: Any, header: list[str], mapping: dict[int, str]) -> None:
        self.writer, self.header, self.mapping = writer, header, mapping
        self.started = False

    def write(self, errors: list[bulk.RowError], cells: list[str]) -> None:
        if not self.started:
            self.writer.writerow([*(_clean(c) for c in self.header), *self.HEADING])
            self.started = True
        width = len(self.header)
        cells = [_clean(c) for c in cells[:width]]
        cells += [""] * (width - len(cells))
        reason = "；".join(f"{bulk.column_label(e.field, self.header, self.mapping)}：{e.msg}"
                          for e in errors)
        self.writer.writerow([*cells, errors[0].row if errors else "", _safe(reason)])


def _clean(cell: str) -> str:
    """A cell for the error file: NUL (already reported as the row's problem) dropped."""
    return cell.replace("\x00", "")


def _fail_inactive(job: ImportJob) -> ImportJob:
    message = inactive_unit(job.unit)
    return _fail(job, message, [{"row": 0, "field": "unit", "msg": message}])


def _safe(text: str) -> str:
    from xinyong.lib.exports import safe_cell

    return str(safe_cell(text))


class Determiner:
    """The determination of a file's rows: each distinct rule path decided once
    (`determination.path_key`), each row's own dates applied to it; each distinct trace
    stored once (Ruling) and referenced by id."""

    def __init__(self, book: rulebook.Rulebook, today: dt.date) -> None:
        self.book, self.today = book, today
        self.paths: dict[Any, d.RulePath] = {}
        self.rulings: dict[tuple[Any, str], str] = {}  # (path key, status): ruling key
        self.templates: dict[str, list[dict[str, str]]] = {}  # ruling key: its trace
        self.ids: dict[str, int] = {}  # ruling key: its id, once stored

    def path(self, facts: d.Facts) -> tuple[Any, d.RulePath]:
        """(its key, the rule path) of a row's facts; raises DomainError. A path the rules
        refuse is not kept: its message may name the row's dates."""
        key = d.path_key(self.book, facts)
        found = self.paths.get(key)
        if found is None:
            if len(self.paths) >= DETERMINATION_CACHE:
                self.paths.clear()  # bounded: memory stays flat however large the file
                self.rulings.clear()
            found = self.paths[key] = d.rule_path(self.book, facts)
        return key, found

    def ruling(self, key: Any, result: d.Determination) -> str:
        """The content key of the stored trace (Ruling) of a path's determination (its
        template is a function of the path and the status the dates gave). No database
        here (a thread may call it): `resolve` stores new ones and gives their ids."""
        slot = (key, result.status)
        found = self.rulings.get(slot)
        if found is None:
            found = self.rulings[slot] = Ruling.key_of(result.template)
            self.templates[found] = result.template
        return found

    def resolve(self, frame: pl.DataFrame) -> pl.DataFrame:
        """A chunk's staged rows with the rulings' ids for their keys, new ones stored."""
        keys = frame["ruling_id"].unique().to_list()
        for key in keys:
            if key not in self.ids:
                self.ids[key] = Ruling.intern(self.templates[key]).pk
        return frame.with_columns(pl.col("ruling_id").replace_strict(
            {key: self.ids[key] for key in keys}, return_dtype=pl.Int64))

    def __call__(self, facts: d.Facts) -> tuple[d.Determination, str, str] | DomainError:
        """(determination, ruling key, list entries as JSON), or the row's error."""
        try:
            d.check_dates(facts, self.today)
            key, path = self.path(facts)
            result = d.dated(path, facts, self.today)
        except DomainError as exc:
            return exc
        lists = [e.as_json() for e in result.lists]
        return (result, self.ruling(key, result),
                json.dumps(lists, ensure_ascii=False) if lists else "[]")


def _staged(job: ImportJob, number: int, sub: Submission,
            outcome: tuple[d.Determination, str, str], code_cache: Codes) -> tuple[Any, ...]:
    code, digest, cipher, masked = code_cache.columns(sub.subject_kind, sub.subject_code)
    result, ruling, lists = outcome
    window = result.publicity
    return (
        job.pk, job.attempts, number, job.unit_id, sub.subject_kind, sub.subject_name, code, digest, cipher,
        masked, sub.behavior, result.polarity, result.policy_version_id, result.severity,
        sub.occurred_on, sub.decided_on, sub.decision_no, sub.facts, sub.force_majeure,
        sub.epidemic_duty, sub.rectify_by, sub.external_id, sub.violation_type, not sub.severity,
        json.dumps(sub.penalty.as_json(), ensure_ascii=False) if sub.penalty is not None else "",
        result.status,
        window.starts_on if window else None, window.repairable_from if window else None,
        window.ends_on if window else None, lists, ruling,
    )


def _fail(job: ImportJob, message: str, errors: list[dict[str, Any]]) -> ImportJob:
    with transaction.atomic():
        leases.lock_own(job)
        _clear_staging(job.pk)
        job.status, job.message, job.errors = "failed", message[:500], errors
        job.accepted = 0
        job.finished_at = timezone.now()
        job.save()
        audit("import.failed", actor=job.created_by, obj=job, via="task",
              summary=f"批量文件 {job.file_name} 未导入：{message}"[:500])
    files.discard(job.file_path)
    return job


SUBJECTS_PG = """
INSERT INTO subjects_subject (kind, name, code, code_digest, code_cipher, code_masked,
                              created_at, updated_at)
SELECT DISTINCT ON (code_digest) kind, name, code, code_digest, code_cipher, code_masked, %s, %s
FROM {table} WHERE job_id = %s AND attempt = %s ORDER BY code_digest, row_no
ON CONFLICT (code_digest) DO NOTHING
"""
SUBJECTS_SQLITE = """
INSERT INTO subjects_subject (kind, name, code, code_digest, code_cipher, code_masked,
                              created_at, updated_at)
SELECT kind, name, code, code_digest, code_cipher, code_masked, %s, %s FROM (
    SELECT kind, name, code, code_digest, code_cipher, code_masked, MIN(row_no)
    FROM {table} WHERE job_id = %s AND attempt = %s GROUP BY code_digest
) WHERE true
ON CONFLICT (code_digest) DO NOTHING
"""
RECORDS = """
INSERT INTO records_record (
    unit_id, subject_id, reported_name, name_mismatch, behavior, polarity, policy_version_id,
    severity, occurred_on, decided_on, decision_no, facts, force_majeure, epidemic_duty,
    rectify_by, external_id, violation_type, severity_derived, penalty, status, starts_on,
    repairable_from, ends_on, lists, ruling_id, own_trace, closed_reason, closed_cause, rectification_note,
    objection_open, source, import_job_id,
    version, created_by_id, created_at, updated_at)
SELECT s.unit_id, subj.id, s.name, subj.name <> s.name, s.behavior, s.polarity,
    s.policy_version_id, s.severity, s.occurred_on, s.decided_on, s.decision_no, s.facts,
    s.force_majeure, s.epidemic_duty, s.rectify_by, s.external_id, s.violation_type,
    s.severity_derived, {json_penalty}, s.status,
    s.starts_on, s.repairable_from, s.ends_on, {json_lists}, s.ruling_id, '[]', '', '', '', {false},
    'import', s.job_id, 1, %s, %s, %s
FROM {table} s JOIN subjects_subject subj ON subj.code_digest = s.code_digest
WHERE s.job_id = %s AND s.attempt = %s {order}
ON CONFLICT DO NOTHING
"""


def merge(job: ImportJob, pipeline: Any, watch: Stopwatch) -> bool:
    """Move the staged rows into subjects and the pipeline's table (records or licences) in
    one transaction. False, and nothing merged, if the unit was deactivated while the file
    was read."""
    with transaction.atomic():
        if not _lock_for_merge(job):
            return False
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {pipeline.table} WHERE job_id = %s AND attempt = %s",  # noqa: S608 (constants only)
                           [job.pk, job.attempts])
            staged = cursor.fetchone()[0]
            with watch("merge"):
                inserted = insert_staged(cursor, job, pipeline, pipeline.table)
        _done(job, pipeline, inserted, staged, watch)
        pipeline.clear(job.pk)
    return True


def _lock_for_merge(job: ImportJob) -> bool:
    """Inside the merge's transaction: the job still ours (else LeaseLost), and its unit
    still active. Locking the unit's row orders the merge and a deactivation (which locks
    it too): a unit deactivated before the merge commits gets nothing from it."""
    leases.lock_own(job)
    return Unit.objects.select_for_update(no_key=True).filter(
        pk=job.unit_id, is_active=True).exists()


def insert_staged(cursor: Any, job: ImportJob, pipeline: Any, table: str) -> int:
    """New subjects, then the pipeline's rows, from the staged rows of the run in `table`;
    the number of rows inserted (the others repeat what exists)."""
    now = timezone.now()
    pg = connection.vendor == "postgresql"
    if pg:
        # The sorts by row stay in memory; a chunk's table is planned by its size on disk
        # (ANALYZE of each chunk cost more than it saved).
        cursor.execute("SET LOCAL work_mem = '256MB'")
    cursor.execute((SUBJECTS_PG if pg else SUBJECTS_SQLITE).format(table=table),
                   [now, now, job.pk, job.attempts])
    return int(pipeline.merge_rows(cursor, job, now, table))


def _done(job: ImportJob, pipeline: Any, inserted: int, staged: int, watch: Stopwatch) -> None:
    """The end of a merge, in its transaction: what follows from the new rows (list
    memberships, the upward exchange's outbox), and the job marked done."""
    with watch("memberships"), connection.cursor() as cursor:
        pipeline.finish(cursor, job)
    job.accepted = inserted
    job.duplicates = staged - inserted
    job.status = "done"
    job.finished_at = timezone.now()
    job.message = (f"导入 {inserted} 条，重复 {job.duplicates} 条（已存在，未重复导入），"
                   f"有误 {job.rejected} 行")
    job.save()
    audit("import.done", actor=job.created_by, obj=job, via="task",
          summary=f"批量文件 {job.file_name}：{job.message}")


class ChunkMerger:
    """PostgreSQL: each chunk's staged rows COPYed into a temporary table and merged at
    once, inside the run's one transaction (nothing lands unless all of it does)."""

    TABLE = "import_chunk"

    def __init__(self, job: ImportJob, pipeline: Any) -> None:
        self.job, self.pipeline = job, pipeline
        self.staged = self.inserted = 0
        self.stager = Stager(self.TABLE, pipeline.columns)
        with connection.cursor() as cursor:
            # ON COMMIT DROP ends it, but a run inside a caller's transaction (the tests')
            # commits nothing: an earlier run's table may still be there.
            cursor.execute(f"DROP TABLE IF EXISTS {self.TABLE}")
            cursor.execute(f"CREATE TEMPORARY TABLE {self.TABLE} ON COMMIT DROP AS "  # noqa: S608 (constants only)
                           f"SELECT * FROM {pipeline.table} WITH NO DATA")

    def add(self, staged: pl.DataFrame | list[tuple[Any, ...]]) -> None:
        if not len(staged):
            return
        watch = self.pipeline.watch
        with watch("stage"):
            self.stager.add_chunk(staged)
            self.stager.flush()
        with watch("merge"), connection.cursor() as cursor:
            self.inserted += insert_staged(cursor, self.job, self.pipeline, self.TABLE)
            cursor.execute(f"TRUNCATE {self.TABLE}")
        self.staged += len(staged)


def refresh_statistics() -> None:
    """Planner statistics for the tables a large import grew.

    Without them PostgreSQL plans the checks' per-subject look-ups from the pre-import
    row counts until autovacuum gets round to it: measured 40 ms instead of 0.2 ms per
    subject after a 1,000,000-row import.
    """
    tables = [Subject._meta.db_table, Record._meta.db_table, Membership._meta.db_table]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {', '.join(tables)}")
        else:
            for table in tables:
                cursor.execute(f"ANALYZE {table}")
