"""Keeping memberships in step with their records and with the packs in force.

A membership ends early (`ended_on`, the first day off the list) for the first of: its
record closed (repaired, withdrawn, objection upheld), the subject rectified where the
list rule allows that exit (重点关注名单), or the pack that made the rule lapsed (政策失效).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.db.models import Q

from xinyong.lists.choices import LAPSED, RECTIFIED
from xinyong.lists.models import Membership
from xinyong.policies.rulebook import Entry, Rulebook
from xinyong.records import determination as d
from xinyong.records.models import Record
from xinyong.subjects.signals import subject_changed


def _closed_reason(record: Record) -> str:
    """The exit reason a closed record gives its memberships (its `closed_cause`)."""
    if record.status in (d.REPAIRED, d.WITHDRAWN):
        return record.closed_cause or record.status
    return ""


def lapse_of(entry: Entry | None) -> dt.date | None:
    """The first day a pack is no longer in force, if it has a last day."""
    return entry.until + dt.timedelta(days=1) if entry and entry.until else None


def lapse_note(entry: Entry, book: Rulebook) -> str:
    until = entry.until.isoformat() if entry.until else ""
    event = entry.pack.ends_with_event
    why = (f"{event.name}，{entry.pack.doc_number}自动失效"
           if event and event.code in book.events else f"{entry.pack.doc_number}施行期届满")
    return f"{why}（最后施行日 {until}）"[:500]


def exits(record: Record, book: Rulebook, policy: str, list_code: str
          ) -> tuple[dt.date | None, str, str]:
    """When and why a membership of `record` on `list_code` (by `policy`'s rule) ends early:
    (ended_on, reason, note), the earliest cause winning; (None, '', '') while it runs."""
    found: list[tuple[dt.date, str, str]] = []
    reason = _closed_reason(record)
    if reason and record.closed_on:
        found.append((record.closed_on, reason, record.closed_reason))
    rule = next((r for e, r in book.lists().get(list_code, []) if e.pack.id == policy), None)
    if (record.rectified_on and record.status != d.RECTIFIED and rule is not None
            and RECTIFIED in rule.exits):
        found.append((record.rectified_on, RECTIFIED, record.rectification_note))
    entry = book.entry(policy)
    lapse = lapse_of(entry)
    if lapse and entry:
        found.append((lapse, LAPSED, lapse_note(entry, book)))
    if not found:
        return None, "", ""
    return min(found, key=lambda f: f[0])


def sync_record(record: Record) -> None:
    """Rebuild the memberships of one record from its determination, status and the packs."""
    Membership.objects.filter(record=record).delete()
    _sync_memberships(record)
    subject_changed.send(sender=Record, subject_id=record.subject_id)


def _sync_memberships(record: Record) -> None:
    from xinyong.policies import rulebook

    if record.status in (d.EXEMPTED, d.RECTIFIED) or not record.lists:
        return
    book = rulebook.current()
    rows = []
    for entry in record.lists:
        rule = next((r for e, r in book.lists().get(entry["code"], [])
                     if e.pack.id == entry["policy"]), None)
        pack = book.entry(entry["policy"])
        ended_on, reason, note = exits(record, book, entry["policy"], entry["code"])
        until = dt.date.fromisoformat(entry["until"]) if entry["until"] else None
        if reason == LAPSED and until and ended_on and ended_on > until:
            ended_on, reason, note = None, "", ""  # it ran out before the pack lapsed
        rows.append(Membership(
            list_code=entry["code"], list_name=entry["name"],
            public=rule.public if rule else True, subject_id=record.subject_id, record=record,
            policy=entry["policy"], doc_number=pack.pack.doc_number if pack else "",
            clause=entry["clause"], since=entry["since"], until=entry["until"],
            ended_on=ended_on, exit_reason=reason, exit_note=note[:500],
        ))
    Membership.objects.bulk_create(rows)


def apply_lapses(book: Rulebook, packs: list[str] | None = None,
                 rows: Any = None) -> int:
    """End, with the reason 政策失效, the memberships whose pack is no longer in force.

    Set-based for the common case (a lapse recorded for the first time). Memberships
    ended by an earlier lapse date that no longer holds (the office corrected the event)
    are rebuilt from their records first, since the lapse may have hidden another exit.
    """
    rows = Membership.objects.all() if rows is None else rows
    changed = 0
    for entry in book.entries:
        if packs is not None and entry.pack.id not in packs:
            continue
        lapse = lapse_of(entry)
        mine = rows.filter(policy=entry.pack.id)
        stale = mine.filter(exit_reason=LAPSED)
        if lapse:
            stale = stale.exclude(ended_on=lapse)
        record_ids = list(stale.values_list("record_id", flat=True).distinct())
        for start in range(0, len(record_ids), 500):
            for record in Record.objects.filter(pk__in=record_ids[start:start + 500]):
                sync_record(record)
                changed += 1
        if lapse:
            changed += mine.filter(
                (Q(ended_on__isnull=True) | Q(ended_on__gt=lapse))
                & (Q(until__isnull=True) | Q(until__gte=lapse))
            ).update(ended_on=lapse, exit_reason=LAPSED, exit_note=lapse_note(entry, book))
    return changed


def on_rules_changed(sender: Any, packs: list[str], **kwargs: Any) -> None:
    """A pack loaded or an ending event recorded or corrected: lists follow at once."""
    from xinyong.policies import rulebook

    apply_lapses(rulebook.current(), packs)


# The list rules' flags join the records' entries in the statement (m: code, policy,
# public, doc_number), so the memberships are written once, complete.
MEMBERSHIPS_PG = """
INSERT INTO lists_membership (list_code, list_name, public, subject_id, record_id, policy,
    doc_number, clause, since, until, ended_on, exit_reason, exit_note)
SELECT e->>'code', e->>'name', COALESCE(m.public, true), r.subject_id, r.id, e->>'policy',
    COALESCE(m.doc_number, ''), e->>'clause', (e->>'since')::date, (e->>'until')::date,
    NULL, '', ''
FROM records_record r CROSS JOIN LATERAL jsonb_array_elements(r.lists) e
LEFT JOIN (VALUES {rules}) m(code, policy, public, doc_number)
    ON m.code = e->>'code' AND m.policy = e->>'policy'
WHERE r.import_job_id = %s AND r.lists <> '[]'::jsonb AND r.status NOT IN ('exempted', 'rectified')
"""
MEMBERSHIPS_SQLITE = """
WITH m(code, policy, public, doc_number) AS (VALUES {rules})
INSERT INTO lists_membership (list_code, list_name, public, subject_id, record_id, policy,
    doc_number, clause, since, until, ended_on, exit_reason, exit_note)
SELECT json_extract(e.value, '$.code'), json_extract(e.value, '$.name'), COALESCE(m.public, 1),
    r.subject_id, r.id, json_extract(e.value, '$.policy'), COALESCE(m.doc_number, ''),
    json_extract(e.value, '$.clause'), json_extract(e.value, '$.since'),
    json_extract(e.value, '$.until'), NULL, '', ''
FROM records_record r JOIN json_each(r.lists) e
LEFT JOIN m ON m.code = json_extract(e.value, '$.code') AND m.policy = json_extract(e.value, '$.policy')
WHERE r.import_job_id = %s AND r.lists <> '[]' AND r.status NOT IN ('exempted', 'rectified')
"""


def sync_import(job_id: int) -> int:
    """Memberships for every record a bulk file brought in, in one statement."""
    from xinyong.policies import rulebook

    book = rulebook.current()
    rules: list[Any] = [(code, entry.pack.id, rule.public, entry.pack.doc_number)
                        for code, found in book.lists().items() for entry, rule in found]
    pg = connection.vendor == "postgresql"
    rules = rules or [(None, None, None, None)]
    marks = ", ".join(["(%s, %s, %s::boolean, %s)" if pg else "(%s, %s, %s, %s)"] * len(rules))
    sql = (MEMBERSHIPS_PG if pg else MEMBERSHIPS_SQLITE).format(rules=marks)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*(v for rule in rules for v in rule), job_id])
        created = cursor.rowcount
    # A file may bring findings made while a pack was in force whose rules have lapsed since.
    apply_lapses(book, rows=Membership.objects.filter(record__import_job_id=job_id))
    return created
