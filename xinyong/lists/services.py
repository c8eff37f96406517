"""Keeping memberships in step with their records."""

from __future__ import annotations

from django.db import connection

from xinyong.lists.models import Membership
from xinyong.records import determination as d
from xinyong.records.models import Record


def _exit_reason(record: Record) -> str:
    if record.status == d.REPAIRED:
        return "repaired"
    if record.status == d.WITHDRAWN:
        return "objection_upheld" if record.closed_reason.startswith("异议成立") else "withdrawn"
    return ""


def sync_record(record: Record) -> None:
    """Rebuild the memberships of one record from its determination and status."""
    from xinyong.policies import rulebook

    Membership.objects.filter(record=record).delete()
    if record.status in (d.EXEMPTED, d.RECTIFIED) or not record.lists:
        return
    book = rulebook.current()
    reason = _exit_reason(record)
    rows = []
    for entry in record.lists:
        rule = next((r for e, r in book.lists().get(entry["code"], [])
                     if e.pack.id == entry["policy"]), None)
        pack = book.entry(entry["policy"])
        rows.append(Membership(
            list_code=entry["code"], list_name=entry["name"],
            public=rule.public if rule else True, subject_id=record.subject_id, record=record,
            policy=entry["policy"], doc_number=pack.pack.doc_number if pack else "",
            clause=entry["clause"], since=entry["since"], until=entry["until"],
            ended_on=record.closed_on if reason else None, exit_reason=reason,
        ))
    Membership.objects.bulk_create(rows)


MEMBERSHIPS_PG = """
INSERT INTO lists_membership (list_code, list_name, public, subject_id, record_id, policy,
    doc_number, clause, since, until, ended_on, exit_reason)
SELECT e->>'code', e->>'name', true, r.subject_id, r.id, e->>'policy', '', e->>'clause',
    (e->>'since')::date, (e->>'until')::date, NULL, ''
FROM records_record r CROSS JOIN LATERAL jsonb_array_elements(r.lists) e
WHERE r.import_job_id = %s AND r.status NOT IN ('exempted', 'rectified')
"""
MEMBERSHIPS_SQLITE = """
INSERT INTO lists_membership (list_code, list_name, public, subject_id, record_id, policy,
    doc_number, clause, since, until, ended_on, exit_reason)
SELECT json_extract(e.value, '$.code'), json_extract(e.value, '$.name'), 1, r.subject_id, r.id,
    json_extract(e.value, '$.policy'), '', json_extract(e.value, '$.clause'),
    json_extract(e.value, '$.since'), json_extract(e.value, '$.until'), NULL, ''
FROM records_record r, json_each(r.lists) e
WHERE r.import_job_id = %s AND r.status NOT IN ('exempted', 'rectified')
"""


def sync_import(job_id: int) -> int:
    """Memberships for every record a bulk file brought in, in one statement."""
    from xinyong.policies import rulebook

    sql = MEMBERSHIPS_PG if connection.vendor == "postgresql" else MEMBERSHIPS_SQLITE
    with connection.cursor() as cursor:
        cursor.execute(sql, [job_id])
        created = cursor.rowcount
    # Fill in what the JSON does not carry: whether the list is public, the document number.
    book = rulebook.current()
    for code, rules in book.lists().items():
        for entry, rule in rules:
            Membership.objects.filter(record__import_job_id=job_id, list_code=code,
                                      policy=entry.pack.id).update(
                public=rule.public, doc_number=entry.pack.doc_number)
    return created
