"""The check (联合奖惩核查): which measures apply to a subject in a scenario on a date.

`measures_for` is a pure function of the rulebook and what is known of the subject (its
kind, its memberships in force, its published records); `run` gathers that for up to
10,000 codes with a constant number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from xinyong.lib.pii import looks_like_id_number, mask_code, mask_id_numbers
from xinyong.lib.prepared import Statement
from xinyong.lists.models import Membership, active_sql
from xinyong.policies import jurisdiction, rulebook
from xinyong.policies.models import PolicyPack, PolicyVersion
from xinyong.policies.rulebook import Entry, Rulebook
from xinyong.records import publicity
from xinyong.records.models import Record
from xinyong.scores.models import SubjectGrade
from xinyong.subjects import codes
from xinyong.subjects.models import Subject

MAX_SUBJECTS = 10_000
CHUNK = 2000
# The caller's region when every pack in force applies (the office: it runs the platform
# for all the areas its packs govern).
EVERYWHERE = "*"


@dataclass(frozen=True)
class InForce:
    """A published record in force on the check date."""

    id: int
    behavior: str
    polarity: str
    pack: str
    decided_on: dt.date
    ends_on: dt.date | None


@dataclass
class Known:
    """What the check needs to know of one subject on the check date."""

    kind: str
    memberships: list[tuple[str, str, str]] = field(default_factory=list)  # code, name, policy
    records: list[InForce] = field(default_factory=list)


def _list_owned_by(entry: Entry, list_code: str) -> bool:
    return any(rule.code == list_code for rule in entry.pack.lists)


def measures_for(book: Rulebook, scenario: str, day: dt.date, known: Known,
                 region: str = EVERYWHERE) -> list[dict[str, str]]:
    """The measures of the packs in force on `day`, governing the caller's `region`, that
    apply to this subject in `scenario`.

    A measure triggered by a list applies to memberships that its own pack's rules created,
    unless its pack does not define that list (then any pack's membership counts): 福州's
    incentives are not 太仓's, although both packs call their list honesty_incentive.
    A local pack's measures are for business systems inside its area; elsewhere its lists
    and records are shown as information only (`attention`).
    """
    if not known.memberships and not known.records:
        return []  # most subjects: nothing can trigger a measure
    found = []
    for entry in book.in_force(day):
        if region != EVERYWHERE and not jurisdiction.governs(entry, region or None):
            continue
        for m in entry.pack.measures:
            if scenario not in m.scenarios or known.kind not in m.subject_kinds:
                continue
            t = m.triggers
            hit = any(
                code in t.lists and (policy == entry.pack.id or not _list_owned_by(entry, code))
                for code, _, policy in known.memberships
            ) or any(
                r.behavior in t.behaviors
                or (t.polarity is not None and r.polarity == t.polarity and r.pack == entry.pack.id)
                for r in known.records
            )
            if hit:
                found.append({"code": m.code, "kind": m.kind, "text": m.text,
                              "policy": entry.pack.id, "doc_number": entry.pack.doc_number,
                              "clause": m.clause})
    return found


def verdict(measures: list[dict[str, str]], dishonest_on_file: bool = False) -> str:
    """restrict, incentive or mixed by the measures; `attention` (关注) when none applies
    but the subject has published dishonest records or dishonest list memberships."""
    kinds = {m["kind"] for m in measures}
    if kinds == {"restrict", "incentive"}:
        return "mixed"
    if kinds:
        return kinds.pop()
    return "attention" if dishonest_on_file else "none"


def list_polarities(book: Rulebook) -> dict[str, str]:
    return {code: rules[0][1].polarity for code, rules in book.lists().items()}


def dishonest_on_file(polarities: dict[str, str], known: Known) -> bool:
    return (any(r.polarity == "dishonest" for r in known.records)
            or any(polarities.get(code) == "dishonest" for code, _, _ in known.memberships))


def records_in_force(book: Rulebook, known: Known) -> list[dict[str, Any]]:
    """The subject's published dishonest records on the check date, with their basis."""
    found = []
    for r in sorted(known.records, key=lambda r: (r.decided_on, r.id), reverse=True):
        if r.polarity != "dishonest":
            continue
        entry = book.entry(r.pack)
        behavior = next((b for b in entry.pack.behaviors if b.code == r.behavior),
                        None) if entry else None
        found.append({"id": r.id, "behavior": r.behavior,
                      "behavior_text": behavior.text if behavior else r.behavior,
                      "decided_on": r.decided_on.isoformat(),
                      "ends_on": r.ends_on.isoformat() if r.ends_on else None,
                      "policy": r.pack, "doc_number": entry.pack.doc_number if entry else "",
                      "clause": behavior.clause if behavior else ""})
    return found


def _mask_input(raw: str) -> str:
    text = codes.normalize(mask_id_numbers(raw))
    # Anything that could be a mistyped ID number is masked: a typo must not put a person's
    # number into the check log in full.
    return mask_code(text) if looks_like_id_number(text) else text[:40]


def _lookup_sql(wanted: str, grades: bool, lateral: bool, rules: bool = False) -> str:
    """The look-up's SQL, the subjects picked by `code_digest {wanted}`; with `rules`, also
    the key of the rules in force (rulebook.KEY_SQL), tagged v and e."""
    subject_t, member_t, record_t = (Subject._meta.db_table, Membership._meta.db_table,
                                     Record._meta.db_table)
    version_t, pack_t = PolicyVersion._meta.db_table, PolicyPack._meta.db_table
    # The conditions' text does not depend on the day (their values are parameters).
    active, _ = active_sql("m", dt.date.min)
    published, _ = publicity.published_sql("r", dt.date.min)
    if lateral:
        # PostgreSQL: the memberships and records are read per subject found, through
        # their subject indexes (LATERAL, kept a subquery by OFFSET 0). Joined as a whole,
        # PostgreSQL hashed every live record of the table for a 10,000-code batch (0.18
        # against 0.11 s at 200,000 records; the scan grows with the table, the probes
        # only with the batch).
        members = f"""q CROSS JOIN LATERAL (
               SELECT m.subject_id, m.list_code, m.list_name, m.policy FROM {member_t} m
                WHERE m.subject_id = q.id AND {active} OFFSET 0) m"""  # noqa: S608
        records = f"""q CROSS JOIN LATERAL (
               SELECT r.id, r.subject_id, r.behavior, r.polarity, r.decided_on, r.ends_on,
                      r.policy_version_id FROM {record_t} r
                WHERE r.subject_id = q.id AND {published} OFFSET 0) r"""  # noqa: S608
        records_where = members_where = ""
    else:  # SQLite has no LATERAL; it reads by the subject indexes anyway
        members, members_where = f"{member_t} m JOIN q ON q.id = m.subject_id", f"WHERE {active}"
        records, records_where = (f"{record_t} r JOIN q ON q.id = r.subject_id",
                                  f"WHERE {published}")
    # Only table names are formatted in (from the models); every value is a parameter.
    sql = f"""
        WITH q AS (SELECT id, code_digest, kind FROM {subject_t} WHERE code_digest {wanted})
        SELECT 's', q.id, q.code_digest, q.kind, '', CAST(NULL AS BIGINT), CAST(NULL AS DATE),
               CAST(NULL AS DATE) FROM q
        UNION ALL
        SELECT 'm', m.subject_id, m.list_code, m.list_name, m.policy, NULL, NULL, NULL
          FROM {members} {members_where}
        UNION ALL
        SELECT 'r', r.subject_id, r.behavior, r.polarity, COALESCE(p.pack_id, ''), r.id,
               r.decided_on, r.ends_on
          FROM {records}
          LEFT JOIN {version_t} v ON v.id = r.policy_version_id
          LEFT JOIN {pack_t} p ON p.id = v.pack_id
          {records_where}"""  # noqa: S608
    if grades:
        sql += f"""
        UNION ALL
        SELECT 'g', g.subject_id, g.grade, g.policy, g.adjustments, NULL, g.as_of, NULL
          FROM {SubjectGrade._meta.db_table} g JOIN q ON q.id = g.subject_id"""  # noqa: S608
    if rules:  # (tag, code, version id, sha256, date) in the look-up's columns
        sql += f"""
        UNION ALL
        SELECT k.tag, NULL, k.code, k.sha256, NULL, k.version_id, k.on_day, NULL
          FROM ({rulebook.KEY_SQL}) k"""  # noqa: S608
    return sql


# One code (a single-subject check, the common call): prepared on each connection, because
# planning this statement cost five times running it (lib/prepared.py). Several codes: an
# array, planned each time (once per up to 10,000 codes).
_ONE: dict[tuple[str, bool, bool], Statement] = {}


def _one(grades: bool, rules: bool) -> Statement:
    key = (connection.vendor, grades, rules)
    if key not in _ONE:
        name = "check_lookup" + ("_graded" if grades else "") + ("_rules" if rules else "")
        _ONE[key] = Statement(name, _lookup_sql("= %s", grades, lateral=key[0] == "postgresql",
                                                rules=rules))
    return _ONE[key]


def _lookup(digests: list[str], day: dt.date, grades: bool = False,
            rules: bool = False) -> list[tuple[Any, ...]]:
    """Subjects by code digest, their memberships in force and their published records on
    `day`, in one round trip: `(tag, subject_id, ...)` rows tagged s, m or r; with `grades`
    (the inspection scenario) also their stored grades, tagged g; with `rules`, the rows
    of rulebook.KEY_SQL, tagged v and e, in the look-up's columns.

    The same conditions as `Membership.objects.active_on` and `Record.objects.published_on`
    (lists.models and records.publicity write each rule once for both; tests hold them to
    the same answers); raw SQL because a single-subject check is mostly query compilation
    and round trips otherwise.
    """
    _, active_params = active_sql("m", day)
    _, published_params = publicity.published_sql("r", day)
    rest = [*active_params, *published_params]
    with connection.cursor() as cursor:
        if len(digests) == 1:
            _one(grades, rules).execute(cursor, [digests[0], *rest])
        elif connection.vendor == "postgresql":  # one array parameter, however many codes
            cursor.execute(_lookup_sql("= ANY(%s)", grades, lateral=True, rules=rules),
                           [digests, *rest])
        else:
            wanted = f"IN ({', '.join(['%s'] * len(digests))})"
            cursor.execute(_lookup_sql(wanted, grades, lateral=False, rules=rules),
                           [*digests, *rest])
        return cursor.fetchall()


def run(book: Rulebook, scenario: str, raw_codes: list[str], day: dt.date,
        region: str = EVERYWHERE) -> list[dict[str, Any]]:
    """Answer every code: invalid ones get an error, unknown ones say so, none fails the batch.

    `region` is the caller's 行政区划代码: only packs governing it supply measures."""
    return _run(book, scenario, raw_codes, day, region)[1]


def run_in_force(scenario: str, raw_codes: list[str], day: dt.date,
                 region: str = EVERYWHERE) -> tuple[Rulebook, list[dict[str, Any]]]:
    """`run` under the rules in force at the look-up, and those rules: their key is read in
    the look-up's own round trip (rulebook.for_key builds them again only if it changed),
    so a check costs no query of its own for them, and answers and rules are of one moment."""
    return _run(None, scenario, raw_codes, day, region)


def _run(book: Rulebook | None, scenario: str, raw_codes: list[str], day: dt.date,
         region: str) -> tuple[Rulebook, list[dict[str, Any]]]:
    parsed: list[tuple[str, str | None, str | None]] = []  # (masked, digest, error)
    for raw in raw_codes:
        try:
            kind, number = codes.classify(raw)
        except codes.CodeError as exc:
            parsed.append((_mask_input(raw), None, str(exc)))
            continue
        parsed.append((codes.mask(kind, number), codes.digest(number), None))
    digests = list({p[1] for p in parsed if p[1]})
    subjects: dict[str, tuple[int, str]] = {}
    known: dict[int, Known] = {}
    lists: dict[int, list[str]] = defaultdict(list)
    grades: list[tuple[int, str, str, str, dt.date]] = []
    rule_rows: list[tuple[Any, ...]] = []  # rulebook.KEY_SQL's rows
    inspection = scenario == "inspection"
    chunk = MAX_SUBJECTS if connection.vendor == "postgresql" else CHUNK
    for i in range(0, len(digests), chunk):
        for tag, sid, a, b, c, record_id, decided_on, ends_on in _lookup(
                digests[i:i + chunk], day, grades=inspection, rules=book is None and i == 0):
            if tag == "g":
                grades.append((sid, a, b, c, _as_date(decided_on)))
            elif tag == "s":
                subjects[a] = (sid, b)
                known.setdefault(sid, Known(b)).kind = b  # its m/r rows may have come first
            elif tag == "m":
                known.setdefault(sid, Known("")).memberships.append((a, b, c))
                if a not in lists[sid]:
                    lists[sid].append(a)
            elif tag == "r":
                known.setdefault(sid, Known("")).records.append(InForce(
                    record_id, a, b, c, _as_date(decided_on), _as_date(ends_on)
                    if ends_on else None))
            else:
                rule_rows.append((tag, a, record_id, b, decided_on))
    if book is None:  # no look-up when no code was valid: the rules asked for on their own
        book = rulebook.for_key(rule_rows) if digests else rulebook.current()
    graded = {sid: _grade(book, grade, policy, adjustments, on)
              for sid, grade, policy, adjustments, on in grades}
    results: list[dict[str, Any]] = []
    polarities = list_polarities(book)
    extra: dict[str, Any] = {}
    # Measures and verdict depend only on the kind, the memberships and what the records
    # are (not which): worked out once for each such set in a batch.
    decided: dict[Any, tuple[list[dict[str, str]], str]] = {}
    for masked, wanted, error in parsed:
        if error:
            results.append({"code_masked": masked, "subject_id": None, "known": False,
                            "lists": [], "records_in_force": [], "measures": [],
                            "verdict": "none", "error": error})
            continue
        found = subjects.get(wanted or "")
        if found is None:
            results.append({"code_masked": masked, "subject_id": None, "known": False,
                            "lists": [], "records_in_force": [], "measures": [],
                            "verdict": "none", "error": None})
            continue
        pk = found[0]
        subject = known[pk]
        facts = (subject.kind, frozenset(subject.memberships),
                 frozenset((r.behavior, r.polarity, r.pack) for r in subject.records))
        answer = decided.get(facts)
        if answer is None:
            measures = measures_for(book, scenario, day, subject, region)
            answer = decided[facts] = (
                measures, verdict(measures, dishonest_on_file(polarities, subject)))
        if inspection:
            extra = {"grade": graded.get(pk)}
        results.append({**extra, "code_masked": masked, "subject_id": pk, "known": True,
                        "lists": lists.get(pk, []),
                        "records_in_force": records_in_force(book, subject),
                        "measures": list(answer[0]), "verdict": answer[1], "error": None})
    return book, results


def _grade(book: Rulebook, grade: str, policy: str, adjustments: str, as_of: dt.date
           ) -> dict[str, Any]:
    """A stored grade as the inspection scenario answers it: the grade, its rate and the day
    it was computed for (stored results are stamped; the nightly run keeps them current)."""
    from xinyong.scores.grading import rate_of

    rate = rate_of(book, grade, policy, [a for a in adjustments.split(",") if a], as_of)
    return {"grade": grade, "inspection_rate": float(rate) if rate is not None else None,
            "policy": policy, "as_of": as_of.isoformat()}


def _as_date(value: Any) -> dt.date:
    """SQLite hands dates back as text from a UNION; PostgreSQL as dates."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
