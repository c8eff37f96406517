"""Batches of the upward exchange (数据上报): cut, written in the national columns, pushed,
acknowledged.

A batch holds every outbox change after the previous batch, numbered 1 … count (序号) in
the order they happened. Its file is written from the entries as they were at the version
each change names (the records' and licences' version history), so the same batch gives
the same rows however often it is downloaded: what was sent can be shown later.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from xinyong.audit.models import record as audit
from xinyong.exchange.models import LICENCE, OPS, PENALTY, Batch, Change, Rejection
from xinyong.lib.errors import DomainError
from xinyong.lib.exports import safe_cell, write_sheets
from xinyong.records import bulk
from xinyong.subjects import codes

log = logging.getLogger(__name__)

# The national standards' columns (2021 版), after the exchange's own three.
LEAD = ["序号", "操作类型", "信息状态"]
PENALTY_COLUMNS = [*LEAD, *bulk.NATIONAL_PENALTY, "平台记录编号"]
LICENCE_COLUMNS = [*LEAD, *bulk.NATIONAL_LICENCE, "平台许可编号"]
SHEETS = {PENALTY: ("行政处罚", PENALTY_COLUMNS), LICENCE: ("行政许可", LICENCE_COLUMNS)}
PARTY_KIND = {codes.ORGANIZATION: "法人及非法人组织", codes.PERSON: "自然人",
              codes.INDIVIDUAL_BUSINESS: "个体工商户"}
CHUNK = 2000


# --- cutting --------------------------------------------------------------------------

# One statement numbers the batch's rows in the order the changes happened (PostgreSQL,
# and SQLite from 3.33).
NUMBER = """
UPDATE exchange_change SET batch_id = %s, row = numbered.rn
FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM exchange_change
      WHERE batch_id IS NULL) AS numbered
WHERE exchange_change.id = numbered.id
"""


def cut(actor: Any = None, *, request: Any = None) -> Batch:
    """Cut a batch of every change not yet in one; it may be empty (nothing changed since
    the previous batch, which is worth proving too)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Writers of the outbox hold ROW EXCLUSIVE until they commit: this waits for
            # them, so no change committed later can carry a lower id than this cut saw.
            with connection.cursor() as cursor:
                cursor.execute("LOCK TABLE exchange_change IN EXCLUSIVE MODE")
        previous = Batch.objects.order_by("-id").first()
        batch = Batch.objects.create(
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            since=previous.created_at if previous else None,
            push_status="pending" if settings.XINYONG_UPSTREAM_URL else "none")
        with connection.cursor() as cursor:
            cursor.execute(NUMBER, [batch.pk])
        counts = dict(Change.objects.filter(batch=batch).values_list("kind")
                      .annotate(n=Count("id")).values_list("kind", "n"))
        batch.penalties, batch.licences = counts.get(PENALTY, 0), counts.get(LICENCE, 0)
        batch.count = batch.penalties + batch.licences
        batch.save()
        audit("exchange.cut", actor=actor, request=request, obj=batch,
              summary=f"生成上报批次第 {batch.pk} 批：行政处罚 {batch.penalties} 条，"
                      f"行政许可 {batch.licences} 条")
        if settings.XINYONG_UPSTREAM_URL:
            from xinyong.exchange.tasks import push_batch_task

            transaction.on_commit(lambda: push_batch_task.enqueue(batch.pk))
    return batch


def pending_count() -> dict[str, int]:
    rows = Change.objects.filter(batch__isnull=True).values_list("kind").annotate(n=Count("id"))
    return {kind: n for kind, n in rows}


# --- rows in the national columns -----------------------------------------------------

def _states(objects: Any, version_model: Any, fk: str, changes: list[Change]
            ) -> dict[tuple[int, int], Any]:
    """(object id, version) → the entry as it was at that version: its version row's data,
    or the live row when it is still at that version (imported rows have no history yet)."""
    ids = {c.object_id for c in changes}
    live = objects.in_bulk(ids)
    wanted = Q()
    for c in changes:
        wanted |= Q(**{f"{fk}_id": c.object_id, "number": c.version})
    versions = {(getattr(v, f"{fk}_id"), v.number): v.data
                for v in version_model.objects.filter(wanted)} if changes else {}
    found: dict[tuple[int, int], Any] = {}
    for c in changes:
        obj = live.get(c.object_id)
        data = versions.get((c.object_id, c.version))
        if data is None and obj is not None and obj.version == c.version:
            data = obj.snapshot()
        found[(c.object_id, c.version)] = (obj, data)
    return found


def _party(subject: Any, reported_name: str, rep: dict[str, Any] | None) -> list[Any]:
    """The party columns. Shared upward in full, as the standard asks (证件号码 of a person
    and the legal representative's): the file is for the upstream platform only."""
    person = subject.kind == codes.PERSON
    rep = rep or {}
    rep_id = codes.decrypt(rep["id_cipher"]) if rep.get("id_cipher") else ""
    return [reported_name, PARTY_KIND.get(subject.kind, subject.kind),
            "" if person else subject.code, "", "", "", "", "", rep.get("name", ""),
            "身份证" if rep_id else "", rep_id, "身份证" if person else "",
            subject.full_code() if person else ""]


def _penalty_row(change: Change, record: Any, data: dict[str, Any]) -> list[Any]:
    penalty = data.get("penalty") or {}
    authority = penalty.get("authority") or {}
    source = penalty.get("source_unit") or {}
    return [
        change.row, OPS[change.op][0], OPS[change.op][1],
        *_party(record.subject, data["reported_name"], penalty.get("legal_representative")),
        data["decision_no"], data.get("violation_type", ""), data.get("facts", ""),
        penalty.get("basis", ""), ";".join(penalty.get("category") or []),
        penalty.get("content", ""), penalty.get("fine_wan") or "",
        penalty.get("confiscated_wan") or "", penalty.get("licence_affected", ""),
        data["decided_on"], penalty.get("valid_until") or "", data.get("ends_on") or "",
        authority.get("name") or record.unit.name, authority.get("code", ""),
        source.get("name") or record.unit.name, source.get("code") or record.unit.code,
        penalty.get("remarks", ""), record.pk,
    ]


def _licence_row(change: Change, licence: Any, data: dict[str, Any]) -> list[Any]:
    return [
        change.row, OPS[change.op][0], OPS[change.op][1],
        *_party(licence.subject, data["reported_name"], data.get("legal_rep")),
        data.get("decision_name", ""), data["decision_no"], data["kind"],
        data.get("licence_name", ""), data.get("licence_no", ""), data.get("content", ""),
        data["decided_on"], data["valid_from"], data.get("valid_to") or "",
        data["authority_name"], data.get("authority_code", ""),
        "1" if data.get("status") == "valid" else "2",
        data.get("source_unit_name") or licence.unit.name,
        data.get("source_unit_code") or licence.unit.code, data.get("remarks", ""), licence.pk,
    ]


def rows(batch: Batch, kind: str) -> Iterator[list[Any]]:
    """The batch's rows of one kind, in 序号 order, read in chunks."""
    from xinyong.licences.models import Licence, LicenceVersion
    from xinyong.records.models import Record, RecordVersion

    model: Any
    model, version_model, fk, build = {
        PENALTY: (Record, RecordVersion, "record", _penalty_row),
        LICENCE: (Licence, LicenceVersion, "licence", _licence_row),
    }[kind]
    changes = Change.objects.filter(batch=batch, kind=kind).order_by("row")
    last = 0
    while True:
        chunk = list(changes.filter(row__gt=last)[:CHUNK])
        if not chunk:
            return
        states = _states(model.objects.select_related("subject", "unit"), version_model, fk, chunk)
        for change in chunk:
            obj, data = states[(change.object_id, change.version)]
            if obj is None or data is None:
                raise DomainError("batch", f"第 {change.row} 行的{dict(SHEETS)[kind][0]}信息"
                                           f"（编号 {change.object_id} 第 {change.version} 版）已不存在")
            yield build(change, obj, data)
        last = chunk[-1].row or last


# --- files ----------------------------------------------------------------------------

def write_csv(batch: Batch, kind: str, target: IO[str]) -> int:
    columns = SHEETS[kind][1]
    writer = csv.writer(target)
    target.write("\ufeff")
    writer.writerow(columns)
    count = 0
    for row in rows(batch, kind):
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
        count += 1
    return count


def write_xlsx(batch: Batch, target: IO[bytes]) -> int:
    """Both sheets (行政处罚, 行政许可) in one workbook (lib.exports), its properties fixed
    to the batch so that the same batch gives the same bytes."""
    tables = [(*SHEETS[kind], rows(batch, kind)) for kind in (PENALTY, LICENCE)]
    properties = {"title": f"上报批次 {batch.pk}", "created": batch.created_at.replace(tzinfo=None)}
    return write_sheets(target, tables, properties).rows


def download(batch: Batch, fmt: str, kind: str, *, actor: Any, request: Any = None
             ) -> tuple[bytes, str, str]:
    """A batch file for a person (page or API): it holds full ID numbers, so it is audited."""
    content = file_bytes(batch, fmt, kind)
    audit("exchange.download", actor=actor, request=request, obj=batch,
          summary=f"下载第 {batch.pk} 批上报文件（{fmt}，含完整证件号码）")
    return content


def file_bytes(batch: Batch, fmt: str, kind: str = PENALTY) -> tuple[bytes, str, str]:
    """(content, file name, content type) of a batch file."""
    if fmt == "xlsx":
        buffer = io.BytesIO()
        write_xlsx(batch, buffer)
        return (buffer.getvalue(), f"上报批次-{batch.pk}.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    if fmt == "csv":
        text = io.StringIO()
        write_csv(batch, kind, text)
        return (text.getvalue().encode("utf-8"), f"上报批次-{batch.pk}-{SHEETS[kind][0]}.csv",
                "text/csv; charset=utf-8")
    raise DomainError("format", "应为 csv 或 xlsx")


# --- acknowledgements -----------------------------------------------------------------

@transaction.atomic
def acknowledge(batch_id: int, accepted: int, rejected: list[dict[str, Any]], *, actor: Any = None,
                request: Any = None) -> Batch:
    """The upstream platform's 回执: how many rows it accepted and which it refused (by 序号).
    Each refused row becomes a task for the unit that reported the entry."""
    batch = Batch.objects.select_for_update().get(pk=batch_id)
    if batch.acked_at is not None:
        when = timezone.localtime(batch.acked_at)
        raise DomainError("batch", f"第 {batch.pk} 批已于 {when:%Y-%m-%d %H:%M} 登记回执", status=409)
    seen: set[int] = set()
    for i, item in enumerate(rejected):
        row = item.get("row")
        if not isinstance(row, int) or not 1 <= row <= batch.count:
            raise DomainError(f"rejected.{i}.row", f"序号应在 1 至 {batch.count} 之间")
        if row in seen:
            raise DomainError(f"rejected.{i}.row", f"序号 {row} 重复")
        seen.add(row)
    if accepted < 0 or accepted + len(rejected) > batch.count:
        raise DomainError("accepted",
                          f"接收 {accepted} 条、退回 {len(rejected)} 条，超过本批 {batch.count} 条")
    changes = {c.row: c for c in Change.objects.filter(batch=batch, row__in=seen)}
    Rejection.objects.bulk_create([
        Rejection(batch=batch, change=changes[item["row"]], row=item["row"],
                  message=str(item.get("msg") or "未说明原因")[:500], unit_id=changes[item["row"]].unit_id)
        for item in rejected])
    batch.accepted, batch.acked_at = accepted, timezone.now()
    batch.ack_by = actor if getattr(actor, "is_authenticated", False) else None
    batch.save()
    audit("exchange.ack", actor=actor, request=request, obj=batch,
          summary=f"第 {batch.pk} 批回执：接收 {accepted} 条，退回 {len(rejected)} 条",
          detail={"rejected_rows": sorted(seen)})
    return batch


# --- pushing --------------------------------------------------------------------------

PUSH_DELAYS = [60, 300, 1800, 7200, 21600]  # seconds before the next attempt


def push(batch_id: int) -> Batch:
    """POST the batch's XLSX to XINYONG_UPSTREAM_URL over HTTPS. A 2xx answer marks it sent;
    an answer with a JSON 回执 ({accepted, rejected}) is recorded as the acknowledgement.
    Failures are retried after PUSH_DELAYS, then the batch is marked failed for a person."""
    import urllib.error
    import urllib.request

    batch = Batch.objects.get(pk=batch_id)
    url = settings.XINYONG_UPSTREAM_URL
    if not url or batch.push_status == "sent":
        return batch
    problem = upstream_problem(url)
    if problem:
        return _push_failed(batch, problem)
    with tempfile.TemporaryFile() as handle:
        write_xlsx(batch, handle)
        size = handle.tell()
        handle.seek(0)
        digest = hashlib.sha256()
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
        handle.seek(0)
        headers = {"Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   "Content-Length": str(size), "X-Batch-Id": str(batch.pk),
                   "X-Batch-Count": str(batch.count), "X-Batch-Sha256": digest.hexdigest()}
        if settings.XINYONG_UPSTREAM_TOKEN:
            headers["Authorization"] = f"Bearer {settings.XINYONG_UPSTREAM_TOKEN}"
        request = urllib.request.Request(url, data=handle, headers=headers, method="POST")  # noqa: S310 (configured URL)
        Batch.objects.filter(pk=batch.pk).update(push_attempts=batch.push_attempts + 1)
        batch.push_attempts += 1
        try:
            with urllib.request.urlopen(request, timeout=settings.XINYONG_UPSTREAM_TIMEOUT) as answer:  # noqa: S310
                body = answer.read(1 << 20)
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            return _push_failed(batch, f"{type(exc).__name__}: {exc}")
    batch.push_status, batch.pushed_at, batch.push_error = "sent", timezone.now(), ""
    batch.sha256 = digest.hexdigest()
    batch.save(update_fields=["push_status", "pushed_at", "push_error", "sha256"])
    audit("exchange.push", obj=batch, via="task",
          summary=f"第 {batch.pk} 批已推送至上级平台（{batch.count} 条）")
    receipt = _receipt(body)
    if receipt is not None and batch.acked_at is None:
        try:
            batch = acknowledge(batch.pk, *receipt)
        except DomainError as exc:
            log.warning("batch %s: the upstream receipt was not recorded: %s", batch.pk, exc.msg)
    return batch


def upstream_problem(url: str) -> str:
    """HTTPS only; plain HTTP only to this machine (a test or a local relay)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return ""
    if parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1"):
        return ""
    return "XINYONG_UPSTREAM_URL 须为 https 地址"


def _receipt(body: bytes) -> tuple[int, list[dict[str, Any]]] | None:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if isinstance(data, dict) and isinstance(data.get("accepted"), int) \
            and isinstance(data.get("rejected", []), list):
        return data["accepted"], [r for r in data.get("rejected", []) if isinstance(r, dict)]
    return None


def _push_failed(batch: Batch, error: str) -> Batch:
    from xinyong.exchange.tasks import push_batch_task

    batch.push_error = error[:500]
    if batch.push_attempts <= len(PUSH_DELAYS):
        batch.push_status = "pending"
        delay = PUSH_DELAYS[batch.push_attempts - 1]
        transaction.on_commit(lambda: push_batch_task.using(
            run_after=timezone.now() + dt.timedelta(seconds=delay)).enqueue(batch.pk))
    else:
        batch.push_status = "failed"
        audit("exchange.push_failed", obj=batch, via="task",
              summary=f"第 {batch.pk} 批推送失败（已尝试 {batch.push_attempts} 次）：{batch.push_error}")
    batch.save(update_fields=["push_status", "push_error"])
    log.warning("batch %s: push attempt %s failed: %s", batch.pk, batch.push_attempts, error)
    return batch
