"""What-if (试算): what draft packs would change, before they are adopted. Nothing is written.

`evaluate(parsed, day)` builds a Rulebook as if the drafts replaced the current versions of
their packs (or were added, for a new pack id), in memory: no PolicyVersion, no audit
event, no signal, and the process-wide rulebook cache (`rulebook._CURRENT`) is left as it
is. It then takes every record decided by `day`, determines it under the current rulebook
and under the draft as of `day`, and compares the two: the status on `day`, the publicity
window, the list memberships (as `lists.services.sync_record` builds them, with their
exits) and, per subject, the measures a check would apply in every scenario.

What is re-determined, and what is not, follows the records' own paths:
- Withdrawn records (by the unit, or an upheld objection) and repaired ones are closed:
  nothing determines them again (a correction refuses them). They are not compared, and
  count in their subject's lists and checks as stored; their memberships are rebuilt as
  `sync_record` would (their closing day ends them, or an earlier lapse).
- Every other record (published, deferred, expired, exempted, rectified) is determined
  from its reported facts as `records.services.correct` does: a severity the packs derived
  is derived again, a stated one stands. A record rectified in time (已按期整改) stays so
  where the rules still defer it; a rectification on a published record ends the list
  memberships whose rule allows that exit (`lists.services.exits`, under each rulebook).
- A record that a rulebook cannot determine (its behaviour gone, its pack not in force on
  its dates, no deferral for its rectification date) is 无法认定 under it: it would keep
  what is stored, so its stored state counts in its subject's lists and checks.

Adopting a pack re-determines no stored record (`loader.load` stores the version; the
rules_changed signal ends memberships whose pack lapsed, `lists.services.apply_lapses`, and
scores are refreshed). So of what this reports, two parts take effect the day the pack is
adopted: memberships ended by a pack's lapse (the `lapse` counts) and the measures checks
apply to memberships and records as they stand. The rest (status, publicity, list entries)
is what the determination gives under the draft: what a correction or a new report of the
same facts would get. Points and grades are not compared.

Scale: the records are read once, ordered by subject, in chunks (`values_list().iterator`),
so memory is bounded by one subject's records, the caches and the examples. The
determination is a function of (behaviour, subject kind, unit region, stated severity or
penalty terms, circumstances, violation type, rectification date, decision date and the
period of pack dates the occurrence falls in), so it runs once per distinct key; a
subject's answers in the checks are a function of its kind, lists and records in force,
so they are computed once per distinct pair of those.

From a script (the benchmark calls it this way):

    from pathlib import Path
    from xinyong.policies import loader, whatif
    report = whatif.evaluate([loader.parse_file(Path("draft.yaml"))])
    print("\\n".join(report.lines()))        # or report.as_dict(), report.changed_record_ids

or `xinyong policy whatif PATH [PATH…] [--date YYYY-MM-DD] [--examples N] [--ids FILE]`.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from array import array
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone

from xinyong.lib.errors import DomainError
from xinyong.policies import rulebook as rules
from xinyong.policies.loader import PackError, ParsedPack, cross_pack_problems
from xinyong.policies.rulebook import Entry, Rulebook
from xinyong.policies.schema import Pack
from xinyong.records import determination as d

# Checks made in the last RECENT_CHECK_DAYS days are asked again under both rulebooks, the
# newest first, up to MAX_RECENT_CHECKS checks or MAX_RECENT_ANSWERS subjects' answers in
# all (a check holds up to 10,000): the map of their subjects stays small.
RECENT_CHECK_DAYS = 30
MAX_RECENT_CHECKS = 2000
MAX_RECENT_ANSWERS = 200_000
EXAMPLES = 10  # examples kept per kind of change
CHUNK = 5000  # records fetched per round trip
# Distinct determination keys kept at once; past this the cache starts again (memory stays
# bounded however varied the records are).
MAX_CACHE = 100_000
IDS_IN_DICT = 1000  # changed record ids carried by as_dict() (all are in changed_record_ids)

REFUSED = "refused"
STATUS_LABELS = {d.PUBLISHED: "公示中", d.EXEMPTED: "豁免", d.DEFERRED: "暂缓",
                 d.RECTIFIED: "已按期整改", d.EXPIRED: "公示期满", REFUSED: "无法认定"}
EARLIEST = dt.date(1, 1, 1)


def pack_until(pack: Pack, events: dict[str, dt.date]) -> dt.date | None:
    """A pack's last day in force, counting an ending event that has happened (as
    `models.effective_until` does for a stored version)."""
    until = pack.effective_until
    occurred = events.get(pack.ends_with_event.code) if pack.ends_with_event else None
    if occurred is not None:
        last_day = occurred - dt.timedelta(days=1)
        until = min(until, last_day) if until else last_day
    return until


def draft_rulebook(parsed: list[ParsedPack], base: Rulebook) -> Rulebook:
    """`base` with each draft in place of its pack's current version, or added. Draft
    entries have negative version ids: no PolicyVersion exists for them."""
    replaced = {p.pack.id for p in parsed}
    entries = [e for e in base.entries if e.pack.id not in replaced]
    entries += [Entry(-(i + 1), p.pack, pack_until(p.pack, base.events))
                for i, p in enumerate(parsed)]
    entries.sort(key=lambda e: e.pack.id)  # as rulebook.current() orders them
    return Rulebook(entries, dict(base.events))


def check_drafts(parsed: list[ParsedPack], base: Rulebook) -> None:
    """Refuse what `loader.load` would refuse: the same pack twice, cross-pack problems."""
    ids = [p.pack.id for p in parsed]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise PackError([f"规则包编号重复：{', '.join(sorted(dupes))}"])
    others = [e.pack for e in base.entries if e.pack.id not in set(ids)]
    problems = cross_pack_problems(others + [p.pack for p in parsed])
    if problems:
        raise PackError(problems)


# --- one record under one rulebook ---------------------------------------------------------

Membership = tuple[str, str, dt.date, dt.date | None, dt.date | None, str]
# (list code, policy, since, until, ended_on, exit reason)


class Outcome(NamedTuple):
    status: str  # the status on the day (effective), or REFUSED
    error: str  # why the rulebook cannot determine it (REFUSED only)
    window: tuple[dt.date | None, dt.date | None, dt.date | None] | None
    memberships: tuple[Membership, ...]
    active: frozenset[tuple[str, str]]  # (list code, policy) in force on the day
    published: tuple[str, str, str] | None  # (behaviour, polarity, pack) if published that day


class _Dates(NamedTuple):
    """What `effective_status` and `exits` read of a record."""

    status: str
    rectify_by: dt.date | None
    starts_on: dt.date | None
    ends_on: dt.date | None
    closed_on: dt.date | None
    closed_cause: str = ""
    closed_reason: str = ""
    rectified_on: dt.date | None = None
    rectification_note: str = ""


class Row(NamedTuple):
    """The columns of a record the comparison reads (one query for all)."""

    id: int
    subject_id: int
    kind: str
    unit_id: int
    behavior: str
    severity: str
    severity_derived: bool
    occurred_on: dt.date
    decided_on: dt.date
    force_majeure: bool
    epidemic_duty: bool
    rectify_by: dt.date | None
    violation_type: str
    penalty: str | None  # JSON text
    status: str
    starts_on: dt.date | None
    repairable_from: dt.date | None
    ends_on: dt.date | None
    lists: str | None  # JSON text
    rectified_on: dt.date | None
    closed_on: dt.date | None
    closed_cause: str
    decision_no: str
    policy_version_id: int
    polarity: str


# The JSON columns come as text: most rows never need them decoded.
COLUMNS = ("id", "subject_id", "subject__kind", "unit_id", "behavior", "severity",
           "severity_derived", "occurred_on", "decided_on", "force_majeure", "epidemic_duty",
           "rectify_by", "violation_type", "penalty_text", "status", "starts_on",
           "repairable_from", "ends_on", "lists_text", "rectified_on", "closed_on",
           "closed_cause", "decision_no", "policy_version_id", "polarity")
CLOSED = (d.WITHDRAWN, d.REPAIRED)


def penalty_terms(text: str | None) -> tuple[frozenset[str], Decimal | None] | None:
    """What the rules read of a stored penalty (its JSON text): its categories and the fine
    and confiscation together, as `penalties.from_json(...).terms()` gives them."""
    data = json.loads(text) if text else None
    if not data:
        return None

    def amount(value: Any) -> Decimal | None:
        return None if value in (None, "") else Decimal(str(value))

    fine, confiscated = amount(data.get("fine_wan")), amount(data.get("confiscated_wan"))
    total = None if fine is None and confiscated is None else (
        (fine or Decimal(0)) + (confiscated or Decimal(0)))
    return frozenset(data.get("category") or ()), total


def facts_of(key: tuple[Any, ...]) -> d.Facts:
    """The facts a correction would determine again (records.services.correct), from the
    key `_Evaluation.key` makes of a record."""
    behavior, kind, occurred, decided, severity, fm, ed, rectify_by, region, violation, terms = key
    return d.Facts(
        behavior=behavior, subject_kind=kind, occurred_on=occurred, decided_on=decided,
        severity=severity, force_majeure=fm, epidemic_duty=ed, rectify_by=rectify_by,
        region=region, violation_type=violation,
        penalty=d.PenaltyTerms(*terms) if terms is not None else None)


def stored_lists(row: Row) -> list[tuple[str, str, dt.date, dt.date | None]]:
    return [(e["code"], e["policy"], dt.date.fromisoformat(e["since"]),
             dt.date.fromisoformat(e["until"]) if e["until"] else None)
            for e in (json.loads(row.lists) if row.lists else [])]


# --- the report ----------------------------------------------------------------------------

@dataclass
class Tally:
    count: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ListTally:
    name: str
    subjects_entered: int = 0
    subjects_left: int = 0
    records_entered: int = 0
    records_left: int = 0
    terms_changed: int = 0  # in force on the day either way, but since/until/end differ
    lapse: int = 0  # records whose change comes from a pack's lapse (effective on adoption)
    examples: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class MeasureTally:
    name: str
    subjects: int = 0
    restrict_gained: int = 0
    restrict_lost: int = 0
    incentive_gained: int = 0
    incentive_lost: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Report:
    """Counts, with the first examples of each kind of change; every changed record's id
    is in `changed_record_ids` (an array of ints, whatever their number)."""

    day: dt.date
    drafts: list[dict[str, Any]]
    considered: int = 0  # records determined under both rulebooks
    closed: int = 0  # withdrawn or repaired: not determined again
    subjects: int = 0
    distinct_inputs: int = 0
    changed: int = 0
    seconds: float = 0.0
    status: dict[tuple[str, str], Tally] = field(default_factory=dict)
    windows: Tally = field(default_factory=Tally)
    lists: dict[str, ListTally] = field(default_factory=dict)
    measures: dict[str, MeasureTally] = field(default_factory=dict)
    checks_considered: int = 0
    checks_limited: bool = False  # more recent checks than were asked again
    checks_changed: int = 0
    answers_changed: int = 0
    check_examples: list[dict[str, Any]] = field(default_factory=list)
    changed_record_ids: array = field(default_factory=lambda: array("q"))
    identical: bool = False  # every draft equals the version in force: nothing was read

    @property
    def has_changes(self) -> bool:
        return bool(self.changed or self.checks_changed or any(
            m.subjects for m in self.measures.values()))

    @property
    def rate(self) -> float:
        """Records per second."""
        return (self.considered + self.closed) / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe: pages, the API and the kept preview all read this."""
        return {
            "day": self.day.isoformat(), "drafts": self.drafts, "identical": self.identical,
            "records": {"considered": self.considered, "closed": self.closed,
                        "changed": self.changed, "subjects": self.subjects,
                        "distinct_inputs": self.distinct_inputs},
            "seconds": round(self.seconds, 3),
            "status_changes": [
                {"from": a, "from_label": STATUS_LABELS.get(a, a), "to": b,
                 "to_label": STATUS_LABELS.get(b, b), "count": t.count, "examples": t.examples}
                for (a, b), t in sorted(self.status.items(), key=lambda kv: -kv[1].count)],
            "windows": {"count": self.windows.count, "examples": self.windows.examples},
            "lists": [{"code": code, **_fields(t)} for code, t in sorted(self.lists.items())],
            "measures": [{"scenario": s, **_fields(t)} for s, t in sorted(self.measures.items())],
            "checks": {"days": RECENT_CHECK_DAYS, "limited": self.checks_limited,
                       "considered": self.checks_considered, "changed": self.checks_changed,
                       "answers_changed": self.answers_changed, "examples": self.check_examples},
            "changed_record_ids": list(self.changed_record_ids[:IDS_IN_DICT]),
            "changed_record_ids_truncated": len(self.changed_record_ids) > IDS_IN_DICT,
        }

    def lines(self) -> list[str]:
        return summary_lines(self.as_dict())


def _fields(tally: Any) -> dict[str, Any]:
    return dict(vars(tally))


def summary_lines(report: dict[str, Any]) -> list[str]:
    """The report as text (the CLI's output), from `as_dict()`."""
    out = []
    for p in report["drafts"]:
        change = {"add": "新增规则包", "replace": f"替换现行第 {p['current_version']} 版",
                  "same": "与现行版本内容相同"}[p["change"]]
        out.append(f"{p['source_name']}: {p['id']}（{p['doc_number']}）{change}")
    r = report["records"]
    out.append(f"试算日期 {report['day']}：重新认定 {r['considered']} 条记录（另有已撤销、已修复 "
               f"{r['closed']} 条不重新认定），涉及 {r['subjects']} 个主体；"
               f"变化 {r['changed']} 条；用时 {report['seconds']} 秒")
    if report["identical"]:
        out.append("草案与现行版本相同：没有任何变化")
        return out
    out.append("状态变化：" + ("无" if not report["status_changes"] else ""))
    for s in report["status_changes"]:
        ids = "、".join(f"#{e['record_id']}" for e in s["examples"])
        out.append(f"  {s['from_label']} → {s['to_label']}：{s['count']} 条（如 {ids}）")
    w = report["windows"]
    out.append(f"公示期变化：{w['count']} 条" + (
        "（如 " + "、".join(f"#{e['record_id']}" for e in w["examples"]) + "）" if w["examples"] else ""))
    out.append("名单变化：" + ("无" if not report["lists"] else ""))
    for item in report["lists"]:
        out.append(f"  {item['name']}（{item['code']}）：列入 {item['subjects_entered']} 个主体、"
                   f"移出 {item['subjects_left']} 个主体（记录 +{item['records_entered']} "
                   f"-{item['records_left']}），其他变化 {item['terms_changed']} 条，"
                   f"其中因施行期变化 {item['lapse']} 条")
    out.append("核查措施变化（信用办视角，按场景）：" + ("无" if not report["measures"] else ""))
    for m in report["measures"]:
        out.append(f"  {m['name']}（{m['scenario']}）：{m['subjects']} 个主体；惩戒 +{m['restrict_gained']} "
                   f"-{m['restrict_lost']}，激励 +{m['incentive_gained']} -{m['incentive_lost']}")
    c = report["checks"]
    out.append(f"近 {c['days']} 天的核查：{'最近的 ' if c['limited'] else ''}{c['considered']} 次，"
               f"其中 {c['changed']} 次的答复会不同"
               f"（{c['answers_changed']} 个主体答复）")
    for e in c["examples"]:
        out.append(f"  核查 #{e['check_id']}（{e['created_at'][:10]}，{e['scenario_name']}）"
                   f"{e['subject_name']}：{e['before']['verdict_label']} → {e['after']['verdict_label']}")
    return out


# --- the comparison ------------------------------------------------------------------------

class _Evaluation:
    def __init__(self, base: Rulebook, draft: Rulebook, day: dt.date, examples: int,
                 on_change: Callable[[dict[str, Any]], None] | None) -> None:
        from xinyong.accounts.models import Unit
        from xinyong.checks import engine
        from xinyong.policies.models import PolicyVersion

        self.books = (base, draft)
        self.day, self.examples, self.on_change = day, examples, on_change
        self.engine = engine
        bounds: set[dt.date] = set()
        for book in self.books:
            for e in book.entries:
                bounds.add(e.pack.effective_from)
                if e.until:
                    bounds.add(e.until + dt.timedelta(days=1))
        self.bounds = sorted(bounds)
        self.regions = dict(Unit.objects.values_list("id", "region"))
        self.version_packs = dict(PolicyVersion.objects.values_list("id", "pack__pack_id"))
        self.scenarios = {**base.scenarios(), **draft.scenarios()}
        self.polarities = tuple(engine.list_polarities(b) for b in self.books)
        self.determined: dict[Any, tuple[Any, Any]] = {}
        self.epochs: dict[dt.date, dt.date] = {}
        self.outcomes: dict[Any, tuple[Outcome, Outcome]] = {}
        self.exits: dict[Any, tuple[dt.date | None, str]] = {}
        self.answers: dict[Any, dict[str, tuple[Any, Any]]] = {}
        self.keys = 0
        self.report: Report | None = None
        # Recent checks: subject id -> indexes into self.checks.
        self.checks: list[dict[str, Any]] = []
        self.checked: dict[int, list[int]] = defaultdict(list)
        self.changed_checks: set[int] = set()
        self.checks_limited = False

    # Dates: the occurrence matters only through the packs in force on it.
    def epoch(self, day: dt.date) -> dt.date:
        i = bisect_right(self.bounds, day)
        return self.bounds[i - 1] if i else EARLIEST

    def key(self, row: Row, exact: bool = False) -> tuple[Any, ...]:
        """What the determination of `row` depends on (a plain tuple: cheap to hash). The
        occurrence counts only by the packs in force on it, unless `exact`."""
        occurred = row.occurred_on
        if not exact and row.decided_on >= occurred:  # never otherwise; then kept as is
            occurred = self.epochs.get(occurred) or self.epochs.setdefault(
                occurred, self.epoch(occurred))
        return (row.behavior, row.kind, occurred, row.decided_on,
                "" if row.severity_derived else row.severity, row.force_majeure,
                row.epidemic_duty, row.rectify_by, self.regions.get(row.unit_id) or None,
                row.violation_type, penalty_terms(row.penalty) if row.penalty else None)

    def determine(self, row: Row) -> tuple[Any, Any]:
        key = self.key(row)
        found = self.determined.get(key)
        if found is None:
            if len(self.determined) >= MAX_CACHE:
                self.determined.clear()
                self.outcomes.clear()
            facts = facts_of(key)
            found = self.determined[key] = (_slim(self._determine(self.books[0], facts)),
                                            _slim(self._determine(self.books[1], facts)))
            self.keys += 1
        return found

    def _determine(self, book: Rulebook, facts: d.Facts) -> Any:
        try:
            return d.determine(book, facts, self.day)
        except DomainError as exc:
            return exc.msg

    def exit(self, b: int, policy: str, code: str, record: _Dates) -> tuple[dt.date | None, str]:
        from xinyong.lists.services import exits

        key = (b, policy, code, record.status, record.closed_cause, record.closed_on,
               record.rectified_on)
        found = self.exits.get(key)
        if found is None:
            ended_on, reason, _ = exits(record, self.books[b], policy, code)  # type: ignore[arg-type]
            found = self.exits[key] = (ended_on, reason)
        return found

    def memberships(self, b: int, record: _Dates,
                    lists: Iterable[tuple[str, str, dt.date, dt.date | None]]
                    ) -> tuple[tuple[Membership, ...], frozenset[tuple[str, str]]]:
        """As lists.services.sync_record builds them, and those in force on the day."""
        from xinyong.lists.choices import LAPSED
        from xinyong.lists.models import is_active

        if record.status in (d.EXEMPTED, d.RECTIFIED):
            return (), frozenset()
        rows, active = [], set()
        for code, policy, since, until in lists:
            ended_on, reason = self.exit(b, policy, code, record)
            if reason == LAPSED and until and ended_on and ended_on > until:
                ended_on, reason = None, ""
            m = (code, policy, since, until, ended_on, reason)
            rows.append(m)
            if is_active(_Term(since, until, ended_on), self.day):
                active.add((code, policy))
        return tuple(rows), frozenset(active)

    def stored(self, b: int, row: Row, status: str = "", error: str = "") -> Outcome:
        """The record as stored (closed, or not determinable under this rulebook)."""
        from xinyong.records.models import effective_status

        record = _Dates(row.status, row.rectify_by, row.starts_on, row.ends_on, row.closed_on,
                        row.closed_cause, "", row.rectified_on)
        shown = effective_status(record, self.day)
        members, active = self.memberships(b, record, stored_lists(row))
        pack = self.version_packs.get(row.policy_version_id, "")
        return Outcome(status or shown, error, None if status else (
            row.starts_on, row.repairable_from, row.ends_on), members, active,
            (row.behavior, row.polarity, pack) if shown == d.PUBLISHED else None)

    def outcome(self, b: int, row: Row, det: Any) -> Outcome:
        from xinyong.records.models import effective_status

        if isinstance(det, str):
            return self.stored(b, row, REFUSED, det)
        status, window, lists = det.status, det.publicity, det.lists
        if (row.status == d.RECTIFIED and status == d.DEFERRED and row.rectified_on
                and row.rectify_by and row.rectified_on <= row.rectify_by):
            status, window, lists = d.RECTIFIED, None, []  # rectified in time stays so
        starts = window.starts_on if window else None
        ends = window.ends_on if window else None
        record = _Dates(status, row.rectify_by, starts, ends, None, "", "", row.rectified_on)
        shown = effective_status(record, self.day)
        members, active = self.memberships(
            b, record, ((e.code, e.policy, e.since, e.until) for e in lists))
        return Outcome(shown, "", (starts, window.repairable_from, ends) if window else None,
                       members, active,
                       (row.behavior, det.polarity, det.pack) if shown == d.PUBLISHED else None)

    def compare(self, row: Row) -> tuple[Outcome, Outcome]:
        if row.status in CLOSED:
            return self.stored(0, row), self.stored(1, row)
        dets = self.determine(row)
        key = (id(dets[0]), id(dets[1]), row.status == d.RECTIFIED, row.rectified_on)
        found = self.outcomes.get(key)
        if found is None or any(isinstance(x, str) for x in dets):
            found = (self.outcome(0, row, dets[0]), self.outcome(1, row, dets[1]))
            if not any(isinstance(x, str) for x in dets):
                self.outcomes[key] = found
        return found

    # --- the run --------------------------------------------------------------------------

    def load_checks(self) -> None:
        from xinyong.checks.models import Check

        since = timezone.now() - dt.timedelta(days=RECENT_CHECK_DAYS)
        rows = (Check.objects.filter(created_at__gte=since).order_by("-created_at")
                .values_list("id", "scenario", "region", "unit__name", "institution__name",
                             "created_at", "results")[:MAX_RECENT_CHECKS])
        answers = 0
        for pk, scenario, region, unit, institution, created_at, results in rows.iterator(
                chunk_size=10):
            known = [item["subject_id"] for item in results or []
                     if isinstance(item, dict) and item.get("subject_id")]
            answers += len(known)
            if answers > MAX_RECENT_ANSWERS:
                self.checks_limited = True
                break
            index = len(self.checks)
            self.checks.append({"id": pk, "scenario": scenario, "region": region or "",
                                "caller": unit or institution or "信用办",
                                "created_at": created_at})
            for sid in known:
                self.checked[sid].append(index)

    def run(self, report: Report) -> None:
        from xinyong.records.models import Record

        self.report = report
        self.load_checks()
        report.checks_considered = len(self.checks)
        report.checks_limited = self.checks_limited or len(self.checks) >= MAX_RECENT_CHECKS
        rows = (Record.objects.filter(decided_on__lte=self.day)
                .annotate(penalty_text=Cast("penalty", TextField()),
                          lists_text=Cast("lists", TextField()))
                .order_by("subject_id", "id").values_list(*COLUMNS).iterator(chunk_size=CHUNK))
        current: int | None = None
        group: list[tuple[Row, Outcome, Outcome]] = []
        for values in rows:
            row = Row(*values)
            if row.subject_id != current:
                if group:
                    self.subject(group)
                current, group = row.subject_id, []
            before, after = self.compare(row)
            if row.status in CLOSED:
                report.closed += 1
            else:
                report.considered += 1
                if before != after:
                    self.record(row, before, after)
            group.append((row, before, after))
        if group:
            self.subject(group)
        report.distinct_inputs = self.keys

    def record(self, row: Row, before: Outcome, after: Outcome) -> None:
        report = self.report
        assert report is not None
        report.changed += 1
        report.changed_record_ids.append(row.id)
        example = None

        def ex() -> dict[str, Any]:
            nonlocal example
            if example is None:
                example = self.example(row, before, after)
            return example

        if before.status != after.status:
            pair = report.status.setdefault((before.status, after.status), Tally())
            pair.count += 1
            if len(pair.examples) < self.examples:
                pair.examples.append(ex())
        if before.window != after.window and before.window and after.window:
            report.windows.count += 1
            if len(report.windows.examples) < self.examples:
                report.windows.examples.append(ex())
        if before.memberships != after.memberships:
            from xinyong.lists.choices import LAPSED

            was = {c for c, _ in before.active}
            now = {c for c, _ in after.active}
            for code in sorted({m[0] for m in before.memberships + after.memberships}):
                old = sorted(m for m in before.memberships if m[0] == code)
                new = sorted(m for m in after.memberships if m[0] == code)
                if old == new:
                    continue
                tally = self.list_tally(code)
                if code in now and code not in was:
                    tally.records_entered += 1
                elif code in was and code not in now:
                    tally.records_left += 1
                else:
                    tally.terms_changed += 1
                if [m for m in old if m[5] == LAPSED] != [m for m in new if m[5] == LAPSED]:
                    tally.lapse += 1
                if len(tally.examples) < self.examples:
                    tally.examples.append(ex())
        if self.on_change is not None:
            self.on_change({"record_id": row.id, "subject_id": row.subject_id,
                            "before": _outcome_dict(before), "after": _outcome_dict(after)})

    def list_name(self, code: str) -> str:
        """The draft's name for a list, else the current one's (a list only one of them has)."""
        return next((n for b in reversed(self.books) if (n := b.list_name(code)) != code), code)

    def list_tally(self, code: str) -> ListTally:
        report = self.report
        assert report is not None
        tally = report.lists.get(code)
        if tally is None:
            tally = report.lists[code] = ListTally(self.list_name(code))
        return tally

    def example(self, row: Row, before: Outcome, after: Outcome) -> dict[str, Any]:
        return {"record_id": row.id, "subject_id": row.subject_id, "unit_id": row.unit_id,
                "behavior": row.behavior, "decision_no": row.decision_no,
                "decided_on": row.decided_on.isoformat(),
                "before": _outcome_dict(before), "after": _outcome_dict(after),
                "_row": row}

    def subject(self, group: list[tuple[Row, Outcome, Outcome]]) -> None:
        report = self.report
        assert report is not None
        report.subjects += 1
        kind = group[0][0].kind
        known = []
        for side in (1, 2):
            outcomes: list[Outcome] = [item[side] for item in group]  # type: ignore[misc]
            known.append((kind, frozenset(a for o in outcomes for a in o.active),
                          frozenset(o.published for o in outcomes if o.published is not None)))
        before, after = known
        sid = group[0][0].subject_id
        if before[1] != after[1]:
            was, now = {c for c, _ in before[1]}, {c for c, _ in after[1]}
            for code in now - was:
                self.list_tally(code).subjects_entered += 1
            for code in was - now:
                self.list_tally(code).subjects_left += 1
        changed = self.changed_answers(before, after, self.engine.EVERYWHERE)
        for scenario, (old, new) in changed.items():
            tally = report.measures.get(scenario)
            if tally is None:
                tally = report.measures[scenario] = MeasureTally(self.scenarios.get(scenario, scenario))
            tally.subjects += 1
            old_kinds, new_kinds = {m[2] for m in old[1]}, {m[2] for m in new[1]}
            for kind_, gained, lost in (("restrict", "restrict_gained", "restrict_lost"),
                                        ("incentive", "incentive_gained", "incentive_lost")):
                if kind_ in new_kinds and kind_ not in old_kinds:
                    setattr(tally, gained, getattr(tally, gained) + 1)
                if kind_ in old_kinds and kind_ not in new_kinds:
                    setattr(tally, lost, getattr(tally, lost) + 1)
            if len(tally.examples) < self.examples:
                tally.examples.append({"subject_id": sid, "before": _answer_dict(old),
                                       "after": _answer_dict(new)})
        for index in self.checked.get(sid, []):
            check = self.checks[index]
            answers = self.changed_answers(before, after, check["region"])
            if check["scenario"] not in answers:
                continue
            report.answers_changed += 1
            self.changed_checks.add(check["id"])
            if len(report.check_examples) < self.examples:
                old, new = answers[check["scenario"]]
                report.check_examples.append({
                    "check_id": check["id"], "created_at": check["created_at"].isoformat(),
                    "scenario": check["scenario"],
                    "scenario_name": self.scenarios.get(check["scenario"], check["scenario"]),
                    "caller": check["caller"], "subject_id": sid,
                    "before": _answer_dict(old), "after": _answer_dict(new)})
        report.checks_changed = len(self.changed_checks)

    def changed_answers(self, before: Any, after: Any, region: str
                        ) -> dict[str, tuple[Any, Any]]:
        """Per scenario, the answers (verdict, measures) that differ between the rulebooks
        for a subject known this way under each."""
        key = (before, after, region)
        found = self.answers.get(key)
        if found is not None:
            return found
        found = {}
        if before[1] or before[2] or after[1] or after[2]:
            for scenario in self.scenarios:
                old = self.answer(0, scenario, before, region)
                new = self.answer(1, scenario, after, region)
                if old != new:
                    found[scenario] = (old, new)
        if len(self.answers) >= MAX_CACHE:
            self.answers.clear()
        self.answers[key] = found
        return found

    def answer(self, b: int, scenario: str, known: Any, region: str) -> tuple[str, tuple[Any, ...]]:
        engine = self.engine
        kind, active, published = known
        subject = engine.Known(
            kind, [(code, "", policy) for code, policy in sorted(active)],
            [engine.InForce(0, behavior, polarity, pack, self.day, None)
             for behavior, polarity, pack in sorted(published)])
        measures = engine.measures_for(self.books[b], scenario, self.day, subject, region)
        verdict = engine.verdict(measures, engine.dishonest_on_file(self.polarities[b], subject))
        return verdict, tuple(sorted((m["code"], m["policy"], m["kind"], m["text"], m["clause"])
                                     for m in measures))

    # --- examples: names and the trace difference ----------------------------------------

    def finish(self) -> None:
        from xinyong.accounts.models import Unit
        from xinyong.subjects.models import Subject

        report = self.report
        assert report is not None
        examples = [e for t in report.status.values() for e in t.examples]
        examples += report.windows.examples
        examples += [e for t in report.lists.values() for e in t.examples]
        others = [e for t in report.measures.values() for e in t.examples] + report.check_examples
        subject_ids = {e["subject_id"] for e in examples + others}
        subjects = {pk: (name, code) for pk, name, code in Subject.objects.filter(
            pk__in=subject_ids).values_list("id", "name", "code_masked")}
        units = dict(Unit.objects.filter(pk__in={e["unit_id"] for e in examples})
                     .values_list("id", "name"))
        texts = {**self.books[0].behavior_texts(), **self.books[1].behavior_texts()}
        done: set[int] = set()
        for e in examples + others:
            name, code = subjects.get(e["subject_id"], ("", ""))
            e["subject_name"], e["subject_code"] = name, code
            if id(e) in done or "_row" not in e:
                continue
            done.add(id(e))
            row: Row = e.pop("_row")
            e["unit"] = units.get(row.unit_id, "")
            e["behavior_text"] = texts.get(row.behavior, row.behavior)
            for side in ("before", "after"):
                e[side]["list_names"] = [self.list_name(c) for c in e[side]["lists"]]
            e["trace_removed"], e["trace_added"] = self.trace_difference(row, e)

    def trace_difference(self, row: Row, example: dict[str, Any]) -> tuple[list[str], list[str]]:
        """The steps of the determination that only one rulebook takes, for real facts (the
        cache keyed the occurrence by its period of pack dates)."""
        if row.status in CLOSED:
            return [], []
        facts = facts_of(self.key(row, exact=True))
        steps = []
        for side, book in zip(("before", "after"), self.books, strict=True):
            det = self._determine(book, facts)
            if isinstance(det, str):
                example[side]["error"] = det
                steps.append([f"无法认定：{det}"])
            else:
                steps.append([f"{s['doc_number']} {s['clause']}：{s['effect']}" for s in det.trace])
        old, new = steps
        return [s for s in old if s not in new], [s for s in new if s not in old]


class Slim(NamedTuple):
    """What the comparison keeps of a Determination (the trace is made again for examples
    only: a cache of whole determinations would hold every trace's text)."""

    status: str
    polarity: str
    publicity: d.Window | None
    lists: tuple[d.ListEntry, ...]
    pack: str  # the behaviour's pack (the first step of the trace)


def _slim(det: d.Determination | str) -> Slim | str:
    if isinstance(det, str):
        return det
    return Slim(det.status, det.polarity, det.publicity, tuple(det.lists),
                det.trace[0]["policy"] if det.trace else "")


class _Term(NamedTuple):
    since: dt.date
    until: dt.date | None
    ended_on: dt.date | None


def _outcome_dict(o: Outcome) -> dict[str, Any]:
    def iso(day: dt.date | None) -> str | None:
        return day.isoformat() if day else None

    window = o.window or (None, None, None)
    return {"status": o.status, "status_label": STATUS_LABELS.get(o.status, o.status),
            "error": o.error, "starts_on": iso(window[0]), "repairable_from": iso(window[1]),
            "ends_on": iso(window[2]), "lists": sorted({c for c, _ in o.active}),
            "memberships": [{"code": m[0], "policy": m[1], "since": iso(m[2]), "until": iso(m[3]),
                             "ended_on": iso(m[4]), "exit_reason": m[5]} for m in o.memberships]}


def _answer_dict(answer: tuple[str, tuple[Any, ...]]) -> dict[str, Any]:
    from xinyong.checks.choices import VERDICT

    verdict, measures = answer
    return {"verdict": verdict, "verdict_label": VERDICT.label(verdict),
            "measures": [{"code": c, "policy": p, "kind": k, "text": t, "clause": cl}
                         for c, p, k, t, cl in measures]}


def _draft_info(parsed: list[ParsedPack], base: Rulebook) -> list[dict[str, Any]]:
    from xinyong.policies.models import PolicyVersion

    found = []
    for p in parsed:
        entry = base.entry(p.pack.id)
        version = (PolicyVersion.objects.filter(pk=entry.version_id).values("number", "sha256").first()
                   if entry else None)
        change = "add" if version is None else "same" if version["sha256"] == p.sha256 else "replace"
        found.append({"id": p.pack.id, "doc_number": p.pack.doc_number, "title": p.pack.title,
                      "source_name": p.source_name, "sha256": p.sha256, "change": change,
                      "current_version": version["number"] if version else None,
                      "effective_from": p.pack.effective_from.isoformat(),
                      "effective_until": (p.pack.effective_until.isoformat()
                                          if p.pack.effective_until else None)})
    return found


def evaluate(parsed: list[ParsedPack], day: dt.date | None = None, *, examples: int = EXAMPLES,
             on_change: Callable[[dict[str, Any]], None] | None = None) -> Report:
    """What the drafts would change on `day` (today by default); see the module's text.

    Raises PackError for what `loader.load` would refuse. `on_change` receives every
    changed record's full comparison as it is found ({record_id, subject_id, before,
    after}), for a caller that wants more than the counts and examples."""
    started = time.monotonic()
    day = day or timezone.localdate()
    base = rules.current()
    check_drafts(parsed, base)
    report = Report(day, _draft_info(parsed, base))
    if all(p["change"] == "same" for p in report.drafts):
        report.identical = True
        report.seconds = time.monotonic() - started
        return report
    evaluation = _Evaluation(base, draft_rulebook(parsed, base), day, examples, on_change)
    evaluation.run(report)
    evaluation.finish()
    report.seconds = time.monotonic() - started
    return report


# --- drafts kept between the preview and the adoption (the office's pages) ------------------

DRAFTS_DIR = "policy-drafts"
KEEP_SECONDS = 24 * 3600  # a preview not adopted nor dropped within a day is removed
SESSION_KEY = "policy_drafts"


def text_sha256(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def rulebook_key(book: Rulebook) -> list[Any]:
    """What a report depends on besides the records: the versions in force and the events."""
    return [[e.pack.id, e.version_id] for e in book.entries] + [
        [code, day.isoformat()] for code, day in sorted(book.events.items())]


def keep(session: Any, text: str, name: str, report: dict[str, Any]) -> str:
    """Keep a previewed text (0600, a random name, MEDIA_ROOT/policy-drafts) with its report
    and the rulebook it was compared with; the session maps the text's sha256 to the file.
    Returns the sha256."""
    import uuid

    from xinyong.lib.files import open_private, private_dir

    folder = private_dir(DRAFTS_DIR)
    cutoff = time.time() - KEEP_SECONDS
    for old in folder.glob("*.json"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    sha = text_sha256(text)
    file_name = f"{uuid.uuid4().hex}.json"
    with open_private(folder / file_name, "w", encoding="utf-8") as out:
        json.dump({"sha256": sha, "name": name, "text": text, "report": report,
                   "rulebook": rulebook_key(rules.current()), "adopted": None}, out,
                  ensure_ascii=False)
    drafts = dict(session.get(SESSION_KEY) or {})
    drafts[sha] = file_name
    session[SESSION_KEY] = drafts
    return sha


def kept(session: Any, sha: str) -> dict[str, Any] | None:
    """The draft this session previewed under `sha`, or None (never previewed, or removed)."""
    from xinyong.lib.files import private_dir

    file_name = (session.get(SESSION_KEY) or {}).get(sha)
    if not file_name:
        return None
    path = private_dir(DRAFTS_DIR) / file_name
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return data


def save_kept(session: Any, sha: str, data: dict[str, Any]) -> None:
    from xinyong.lib.files import open_private, private_dir

    file_name = (session.get(SESSION_KEY) or {}).get(sha)
    if file_name:
        with open_private(private_dir(DRAFTS_DIR) / file_name, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False)


def drop(session: Any, sha: str) -> None:
    from xinyong.lib.files import discard, private_dir

    drafts = dict(session.get(SESSION_KEY) or {})
    file_name = drafts.pop(sha, None)
    if file_name:
        discard(private_dir(DRAFTS_DIR) / file_name)
    session[SESSION_KEY] = drafts


def adopt(session: Any, sha: str, *, actor: Any) -> dict[str, Any]:
    """Load exactly the text previewed under `sha`: refused if it is gone, if its content no
    longer has that sha256, or if the packs or events in force changed since the preview
    (its report would no longer say what the adoption does). Returns the kept data with
    `adopted` filled in (pack id, version number, whether a version was created)."""
    from xinyong.policies import loader

    data = kept(session, sha)
    if data is None:
        raise DomainError("sha256", "没有这份试算（已采用、已放弃或已超过一天），请重新上传试算", status=404)
    if data.get("adopted"):
        raise DomainError("sha256", "这份试算已经采用过了", status=409)
    text = data.get("text") or ""
    if text_sha256(text) != sha or data.get("sha256") != sha:
        raise DomainError("sha256", "保存的规则包内容与试算时不一致，未载入；请重新上传试算", status=409)
    if data.get("rulebook") != rulebook_key(rules.current()):
        raise DomainError("sha256", "试算之后现行规则包或政策事件已有变化，试算结果已不准确；"
                                    "请点击“重新试算”后再确认采用", status=409)
    parsed = loader.parse(text, data["name"])
    version, created = loader.load([parsed], actor=actor, via="web")[0]
    data["adopted"] = {"pack_id": parsed.pack.id, "version": version.number, "created": created,
                       "at": timezone.now().isoformat()}
    save_kept(session, sha, data)
    return data
