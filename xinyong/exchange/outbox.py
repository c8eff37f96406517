"""Writing the outbox: every change of a 双公示 entry, in the transaction that makes it.

Penalties (records of behaviour administrative_penalty or with penalty details) and
licences go upward; other records stay on this platform. A deferred penalty goes when it
is published (a rectification in time means it never goes); expiry is not sent (the
upstream platform has the end of publicity, 公示截止期, with the entry).
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.utils import timezone

from xinyong.exchange.models import LICENCE, PENALTY, Change, Rejection
from xinyong.records.penalties import is_penalty

# Record version changes (records.choices.CHANGE) → the op sent upward.
RECORD_OPS = {"created": "new", "corrected": "corrected", "withdrawn": "withdrawn",
              "objection_upheld": "withdrawn", "repaired": "repaired", "published": "new",
              "objection": "objection", "objection_closed": "objection_closed"}
LICENCE_OPS = {"created": "new", "corrected": "corrected", "withdrawn": "withdrawn"}


def note_record(record: Any, change: str) -> Change | None:
    """Queue a record's change, if it is one the upstream platform gets."""
    op = RECORD_OPS.get(change)
    if op is None or not is_penalty(record):
        return None
    if record.status == "deferred":
        return None  # not published yet: it goes when it is
    if change == "created" and record.status == "exempted":
        op = "exempted"
    if op == "objection_closed" and record.status == "withdrawn":
        return None  # upheld: the withdrawal already went, with status 1 撤销
    return _add(PENALTY, record.pk, record.version, op, record.unit_id)


def note_licence(licence: Any, change: str) -> Change | None:
    op = LICENCE_OPS.get(change)
    if op is None:
        return None
    return _add(LICENCE, licence.pk, licence.version, op, licence.unit_id)


def _add(kind: str, object_id: int, version: int, op: str, unit_id: int) -> Change:
    change = Change.objects.create(kind=kind, object_id=object_id, version=version, op=op,
                                   unit_id=unit_id)
    # The unit acted on the entry again: what upstream sent back about it is dealt with.
    Rejection.objects.filter(change__kind=kind, change__object_id=object_id,
                             resolved_at__isnull=True).update(resolved_at=timezone.now(),
                                                              resolved_by=change)
    return change


IMPORTED = {
    PENALTY: """
INSERT INTO exchange_change (kind, object_id, version, op, unit_id, at)
SELECT 'penalty', id, version, CASE WHEN status = 'exempted' THEN 'exempted' ELSE 'new' END,
       unit_id, %s
FROM records_record
WHERE import_job_id = %s AND status <> 'deferred'
  AND (behavior = 'administrative_penalty' OR penalty IS NOT NULL)
ORDER BY id
""",
    LICENCE: """
INSERT INTO exchange_change (kind, object_id, version, op, unit_id, at)
SELECT 'licence', id, version, CASE WHEN status = 'withdrawn' THEN 'withdrawn' ELSE 'new' END,
       unit_id, %s
FROM licences_licence WHERE import_job_id = %s ORDER BY id
""",
}


def note_import(kind: str, job_id: int, cursor: Any = None) -> int:
    """Queue every entry a bulk import just added, set-based, inside the merge."""
    if cursor is None:
        with connection.cursor() as own:
            own.execute(IMPORTED[kind], [timezone.now(), job_id])
            return int(own.rowcount)
    cursor.execute(IMPORTED[kind], [timezone.now(), job_id])
    return int(cursor.rowcount)
