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
from xinyong.lists.models import Membership, active_sql
from xinyong.policies import jurisdiction
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


def _lookup(digests: list[str], day: dt.date, grades: bool = False) -> list[tuple[Any, ...]]:
    """Subjects by code digest, their memberships in force and their published records on
    `day`, in one round trip: `(tag, subject_id, ...)` rows tagged s, m or r; with `grades`
    (the inspection scenario) also their stored grades, tagged g.

    The same conditions as `Membership.objects.active_on` and `Record.objects.published_on`
    (lists.models and records.publicity write each rule once for both; tests hold them to
    the same answers); raw SQL because a single-subject check is mostly query compilation
    and round trips otherwise.
    """
    first: list[Any]
    if connection.vendor == "postgresql":
        wanted, first = "= ANY(%s)", [digests]  # one array parameter, however many codes
    else:
        wanted, first = f"IN ({', '.join(['%s'] * len(digests))})", list(digests)
    subject_t, member_t, record_t = (Subject._meta.db_table, Membership._meta.db_table,
                                     Record._meta.db_table)
    version_t, pack_t = PolicyVersion._meta.db_table, PolicyPack._meta.db_table
    active, active_params = active_sql("m", day)
    published, published_params = publicity.published_sql("r", day)
    # Only table names are formatted in (from the models); every value is a parameter.
    sql = f"""
        WITH q AS (SELECT id, code_digest, kind FROM {subject_t} WHERE code_digest {wanted})
        SELECT 's', q.id, q.code_digest, q.kind, '', CAST(NULL AS BIGINT), CAST(NULL AS DATE),
               CAST(NULL AS DATE) FROM q
        UNION ALL
        SELECT 'm', m.subject_id, m.list_code, m.list_name, m.policy, NULL, NULL, NULL
          FROM {member_t} m JOIN q ON q.id = m.subject_id
         WHERE {active}
        UNION ALL
        SELECT 'r', r.subject_id, r.behavior, r.polarity, COALESCE(p.pack_id, ''), r.id,
               r.decided_on, r.ends_on
          FROM {record_t} r JOIN q ON q.id = r.subject_id
          LEFT JOIN {version_t} v ON v.id = r.policy_version_id
          LEFT JOIN {pack_t} p ON p.id = v.pack_id
         WHERE {published}"""  # noqa: S608
    if grades:
        sql += f"""
        UNION ALL
        SELECT 'g', g.subject_id, g.grade, g.policy, g.adjustments, NULL, g.as_of, NULL
          FROM {SubjectGrade._meta.db_table} g JOIN q ON q.id = g.subject_id"""  # noqa: S608
    params: list[Any] = [*first, *active_params, *published_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def run(book: Rulebook, scenario: str, raw_codes: list[str], day: dt.date,
        region: str = EVERYWHERE) -> list[dict[str, Any]]:
    """Answer every code: invalid ones get an error, unknown ones say so, none fails the batch.

    `region` is the caller's 行政区划代码: only packs governing it supply measures."""
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
    graded: dict[int, dict[str, Any]] = {}
    inspection = scenario == "inspection"
    chunk = MAX_SUBJECTS if connection.vendor == "postgresql" else CHUNK
    for i in range(0, len(digests), chunk):
        for tag, sid, a, b, c, record_id, decided_on, ends_on in _lookup(
                digests[i:i + chunk], day, grades=inspection):
            if tag == "g":
                graded[sid] = _grade(book, a, b, c, _as_date(decided_on))
            elif tag == "s":
                subjects[a] = (sid, b)
                known.setdefault(sid, Known(b)).kind = b  # its m/r rows may have come first
            elif tag == "m":
                known.setdefault(sid, Known("")).memberships.append((a, b, c))
                if a not in lists[sid]:
                    lists[sid].append(a)
            else:
                known.setdefault(sid, Known("")).records.append(InForce(
                    record_id, a, b, c, _as_date(decided_on), _as_date(ends_on)
                    if ends_on else None))
    results: list[dict[str, Any]] = []
    polarities = list_polarities(book)
    extra: dict[str, Any] = {}
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
        measures = measures_for(book, scenario, day, known[pk], region)
        if inspection:
            extra = {"grade": graded.get(pk)}
        results.append({**extra, "code_masked": masked, "subject_id": pk, "known": True,
                        "lists": lists.get(pk, []),
                        "records_in_force": records_in_force(book, known[pk]),
                        "measures": measures,
                        "verdict": verdict(measures, dishonest_on_file(polarities, known[pk])),
                        "error": None})
    return results


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
