"""The determination (认定): what a reported record means under the policies in force.

A pure function of (rulebook, record facts, subject kind, today): no database, so every
rule is tested with plain cases. Each step it takes is written to the trace with the
policy, clause and rule it applied.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from xinyong.lib import workdays
from xinyong.lib.dates import add_months
from xinyong.lib.errors import DomainError
from xinyong.policies import jurisdiction
from xinyong.policies.choices import SEVERITY
from xinyong.policies.rulebook import Entry, Rulebook, RuleError
from xinyong.policies.schema import SEVERITY_ORDER, Behavior, PenaltySeverity, PenaltySeverityRule, Trigger

# The statuses are re-exported: callers read them as d.PUBLISHED, d.WITHDRAWN …
from xinyong.records.choices import DEFERRED as DEFERRED
from xinyong.records.choices import EXEMPTED as EXEMPTED
from xinyong.records.choices import EXPIRED as EXPIRED
from xinyong.records.choices import PUBLISHED as PUBLISHED
from xinyong.records.choices import RECTIFIED as RECTIFIED
from xinyong.records.choices import REPAIRED as REPAIRED
from xinyong.records.choices import WITHDRAWN as WITHDRAWN


@dataclass(frozen=True)
class PenaltyTerms:
    """What a penalty (行政处罚) was, as far as the rules read it: its categories and the
    fine and confiscation together (罚没金额, 万元)."""

    categories: frozenset[str]
    amount_wan: Decimal | None = None


@dataclass(frozen=True)
class Facts:
    """What a department reports (归集), already checked for types."""

    behavior: str
    subject_kind: str
    occurred_on: dt.date
    decided_on: dt.date
    # 情节 as the unit states it; "" when it does not (a 双公示 file has none): the packs
    # derive it from the penalty.
    severity: str
    force_majeure: bool = False
    epidemic_duty: bool = False
    rectify_by: dt.date | None = None
    # 行政区划代码 of the reporting unit: only the packs governing it apply (None: no region,
    # so national and platform packs only).
    region: str | None = None
    # 违法行为类型 of a penalty (双公示), which packs may map to the kinds of finding their
    # exemptions and deferrals name (e.g. 太仓 9's 合同违约).
    violation_type: str = ""
    penalty: PenaltyTerms | None = None


@dataclass(frozen=True)
class Window:
    """公示期: publicity starts, repair may be applied for, publicity stops by itself."""

    starts_on: dt.date
    repairable_from: dt.date | None
    ends_on: dt.date | None  # the last day published

    def as_dict(self) -> dict[str, Any]:
        return {"starts_on": self.starts_on, "repairable_from": self.repairable_from,
                "ends_on": self.ends_on}


@dataclass(frozen=True)
class ListEntry:
    code: str
    name: str
    since: dt.date
    until: dt.date | None
    policy: str
    clause: str

    def as_json(self) -> dict[str, Any]:
        """As a record stores it in `lists` (and the bulk path writes it by column)."""
        return {"code": self.code, "name": self.name, "since": self.since.isoformat(),
                "until": self.until.isoformat() if self.until else None,
                "policy": self.policy, "clause": self.clause}


@dataclass
class Determination:
    status: str
    polarity: str
    policy_version_id: int
    severity: str = ""
    publicity: Window | None = None
    lists: list[ListEntry] = field(default_factory=list)
    trace: list[dict[str, str]] = field(default_factory=list)
    # The trace with the record's own dates left as placeholders (DATE_FIELDS): the same
    # for every record decided along the same rule path, so stored once (records.Ruling).
    template: list[dict[str, str]] = field(default_factory=list)

    def step(self, entry: Entry, clause: str, rule: str, effect: str,
             template: str | None = None) -> None:
        base = {"policy": entry.pack.id, "doc_number": entry.pack.doc_number,
                "clause": clause, "rule": rule}
        self.trace.append({**base, "effect": effect})
        self.template.append({**base, "effect": effect if template is None else template})


# Placeholders a trace template may hold, filled from the record's own columns.
DATE_FIELDS = ("rectify_by", "ends_on")


def render(template: list[dict[str, str]], dates: dict[str, dt.date | None]) -> list[dict[str, str]]:
    """A trace template with a record's dates filled in (`{rectify_by}`, `{ends_on}`)."""
    out = []
    for step in template:
        effect = step["effect"]
        if "{" in effect:
            for name in DATE_FIELDS:
                value = dates.get(name)
                effect = effect.replace("{" + name + "}", value.isoformat() if value else "")
        out.append({**step, "effect": effect})
    return out


def _circumstances(facts: Facts) -> set[str]:
    found = set()
    if facts.force_majeure:
        found.add("force_majeure")
    if facts.epidemic_duty:
        found.add("epidemic_duty")
    return found


def _matches(behavior: Behavior, codes: list[str], categories: list[str],
             kinds: frozenset[str] = frozenset()) -> bool:
    """Whether a rule naming these behaviours or categories covers the record; `kinds` are
    the categories its violation type maps to (a penalty's facts)."""
    wanted = set(categories)
    return behavior.code in codes or bool(wanted & set(behavior.categories)) or bool(wanted & kinds)


def _governing(book: Rulebook, day: dt.date, region: str | None) -> list[Entry]:
    """Packs in force on `day` whose jurisdiction includes the reporting unit."""
    return [e for e in book.in_force(day) if jurisdiction.governs(e, region)]


def violation_kinds(entries: list[Entry], behavior: Behavior,
                    violation_type: str) -> tuple[frozenset[str], list[tuple[Entry, Any]]]:
    """The categories a record's violation type falls in, by the packs' `violation_kinds`
    maps, with the map entries that matched (for the trace)."""
    text = violation_type.strip()
    if not text:
        return frozenset(), []
    found: set[str] = set()
    used = []
    for e in entries:
        for rule in e.pack.violation_kinds:
            if behavior.code in rule.behaviors and any(word in text for word in rule.contains):
                found.add(rule.category)
                used.append((e, rule))
    return frozenset(found), used


def _triggered(trigger: Trigger, behavior: Behavior, same_pack: bool, severity: str) -> bool:
    if trigger.min_severity and SEVERITY_ORDER[severity] < SEVERITY_ORDER[trigger.min_severity]:
        return False
    if behavior.code in trigger.behaviors:
        return True
    # A polarity trigger covers the behaviours of its own document only.
    return bool(same_pack and trigger.polarity and trigger.polarity == behavior.polarity)


def determine(book: Rulebook, facts: Facts, today: dt.date) -> Determination:
    """Decide the status, publicity window and list entries of one record."""
    check_dates(facts, today)
    return dated(rule_path(book, facts), facts, today)


def check_dates(facts: Facts, today: dt.date) -> None:
    """The checks on a record's own dates that come before any rule."""
    if facts.decided_on < facts.occurred_on:
        raise DomainError("decided_on", "决定日期不能早于行为发生日期")
    if facts.decided_on > today:
        raise DomainError("decided_on", "决定日期不能晚于今天")


@dataclass(frozen=True)
class RulePath:
    """认定路径: what the rules decide for a record before its own dates are applied.

    It depends on the facts without their dates, and on the dates only through the packs
    in force on them (`path_key`): a bulk file's rows share a few paths, each decided once;
    `dated` then gives each row its window, status and list entries.
    """

    partial: Determination  # status, polarity, version, severity and the steps so far
    decided: bool  # exempted (or good with no window to compute): nothing date-dependent left
    period: tuple[Entry, Any] | None = None
    deferral: tuple[Entry, Any] | None = None
    lists: tuple[tuple[Entry, Any], ...] = ()


def path_key(book: Rulebook, facts: Facts) -> tuple[Any, ...]:
    """What a rule path depends on. The dates count only through the packs in force on
    them (`Rulebook.epoch`) and whether a rectification date is set; a penalty's categories
    and amount only through the severity the packs derive from them (and its rule, which
    the trace names), so rows that differ in the amount share a path."""
    penalty: Any = None
    if facts.penalty is not None:
        derived = derive_severity(book, facts)
        penalty = ("derived", derived and (derived[0], derived[1].version_id, derived[2], derived[3]))
    return (facts.behavior, facts.subject_kind, facts.severity, facts.force_majeure,
            facts.epidemic_duty, facts.rectify_by is not None, facts.region,
            facts.violation_type, book.epoch(facts.occurred_on), book.epoch(facts.decided_on),
            penalty)


def _copy(result: Determination) -> Determination:
    return replace(result, lists=list(result.lists), trace=list(result.trace),
                   template=list(result.template))


def rule_path(book: Rulebook, facts: Facts) -> RulePath:
    """Every rule a record's facts meet, up to what needs its own dates. Raises DomainError
    for facts no rule accepts (the same errors, in the same order, as `determine`)."""
    try:
        entry, behavior = book.behavior(facts.behavior, facts.occurred_on)
    except RuleError as exc:
        raise DomainError("behavior", str(exc)) from None
    if not jurisdiction.governs(entry, facts.region):
        raise DomainError(
            "behavior", jurisdiction.outside_message(entry, facts.behavior, facts.region))
    if facts.subject_kind not in behavior.subject_kinds:
        raise DomainError(
            "subject.kind", f"行为“{behavior.code}”（{entry.pack.doc_number} {behavior.clause}）"
            f"只适用于 {'、'.join(behavior.subject_kinds)}，不适用于 {facts.subject_kind}")
    result = Determination(status=PUBLISHED, polarity=behavior.polarity,
                           policy_version_id=entry.version_id)
    result.step(entry, behavior.clause, f"behavior:{behavior.code}",
                f"{'失信' if behavior.polarity == 'dishonest' else '良好'}行为：{behavior.text}")
    if facts.penalty is not None and behavior.polarity != "dishonest":
        raise DomainError("penalty", f"行为“{behavior.code}”是良好行为，不能填写行政处罚信息")
    result.severity = _severity(book, behavior, facts, result)
    facts = replace(facts, severity=result.severity)
    if behavior.polarity == "good":
        if facts.rectify_by:
            raise DomainError("rectify_by", "良好行为不适用暂缓（整改期限应为空）")
        return RulePath(result, False, lists=_list_rules(book, entry, behavior, facts))
    return _dishonest(book, entry, behavior, facts, result)


def dated(path: RulePath, facts: Facts, today: dt.date) -> Determination:
    """A rule path applied to one record's dates: its window, status, list entries and
    the trace steps that name its dates (kept as placeholders in the template)."""
    result = _copy(path.partial)
    if path.decided:
        return result
    if path.period is None:  # good behaviour: published from the decision, no end
        result.publicity = Window(facts.decided_on, None, None)
        result.lists = _lists(path, facts, result, result.publicity)
        return result
    period_entry, period = path.period
    start = facts.decided_on
    window = Window(
        starts_on=start,
        repairable_from=add_months(start, period.min_months),
        ends_on=add_months(start, period.max_months) - dt.timedelta(days=1),
    )
    if path.deferral is not None:
        assert facts.rectify_by is not None
        d_entry, rule = path.deferral
        if facts.rectify_by <= facts.decided_on:
            raise DomainError("rectify_by", "整改期限应晚于决定日期")
        if rule.max_working_days and facts.rectify_by > workdays.add_workdays(
                facts.decided_on, rule.max_working_days):
            raise DomainError(
                "rectify_by", f"整改期限最长为决定之日起 {rule.max_working_days} 个工作日")
        tail = "前按期整改的不予公示，逾期未整改的次日起公示"
        result.step(d_entry, rule.clause, f"deferral:{rule.code}",
                    f"暂缓：{facts.rectify_by.isoformat()} {tail}", f"暂缓：{{rectify_by}} {tail}")
        window = Window(facts.rectify_by + dt.timedelta(days=1), window.repairable_from,
                        window.ends_on)
        result.status = DEFERRED
    result.publicity = window
    if result.status == PUBLISHED and window.ends_on and window.ends_on < today:
        result.status = EXPIRED
        result.step(period_entry, period.clause, "period:elapsed",
                    f"报送时最长公示期已于 {window.ends_on.isoformat()} 届满：不再公示",
                    "报送时最长公示期已于 {ends_on} 届满：不再公示")
    result.lists = _lists(path, facts, result, window)
    return result


def penalty_rules(book: Rulebook, behavior: str, day: dt.date, region: str | None
                  ) -> tuple[Entry, PenaltySeverity] | None:
    """The penalty-severity section that decides for a behaviour, unit region and day."""
    key = ("penalty_rules", behavior, day, region)
    if key in book._memo:  # a rulebook never changes: bulk rows ask this again and again
        return book._memo[key]  # type: ignore[no-any-return]
    found = [(e, e.pack.penalty_severity) for e in _governing(book, day, region)
             if e.pack.penalty_severity and behavior in e.pack.penalty_severity.behaviors]
    answer = jurisdiction.most_local(found)  # thresholds for a large fine are set locally
    book._memo[key] = answer
    return answer


def _holds(rule: PenaltySeverityRule, terms: PenaltyTerms, subject_kind: str) -> bool:
    amount = terms.amount_wan or Decimal(0)
    return (
        subject_kind in rule.subject_kinds
        and (not rule.any_category or bool(terms.categories & set(rule.any_category)))
        and (not rule.only_categories
             or (bool(terms.categories) and terms.categories <= set(rule.only_categories)))
        and (rule.amount_wan_at_least is None or amount >= rule.amount_wan_at_least)
        and (rule.amount_wan_at_most is None or amount <= rule.amount_wan_at_most)
    )


def derive_severity(book: Rulebook, facts: Facts
                    ) -> tuple[str, Entry, str, str, str] | None:
    """The severity the packs give a penalty: (severity, pack entry, clause, rule, why), or
    None when no rule reaches it (no penalty terms, or no section for the behaviour)."""
    if facts.penalty is None:
        return None
    found = penalty_rules(book, facts.behavior, facts.decided_on, facts.region)
    if found is None:
        return None
    entry, section = found
    for rule in section.rules:
        if _holds(rule, facts.penalty, facts.subject_kind):
            return rule.severity, entry, rule.clause, f"penalty_severity:{rule.code}", rule.name
    if section.otherwise:
        return section.otherwise, entry, section.clause, "penalty_severity:otherwise", "其他行政处罚"
    return None


def _severity(book: Rulebook, behavior: Behavior, facts: Facts, result: Determination) -> str:
    """情节: as the unit states it, else as the packs derive it from the penalty; a stated
    severity that differs from the derived one is said in the trace."""
    derived = derive_severity(book, facts) if behavior.polarity == "dishonest" else None
    if derived is not None:
        severity, entry, clause, rule, why = derived
        provisional = "（暂定标准）" if entry.pack.penalty_severity and \
            entry.pack.penalty_severity.provisional else ""
        if not facts.severity:
            result.step(entry, clause, rule,
                        f"按处罚种类和数额推定情节为{SEVERITY.label(severity)}：{why}{provisional}")
            return severity
        same = "一致" if facts.severity == severity else f"不同（推定为{SEVERITY.label(severity)}：{why}）"
        result.step(entry, clause, f"{rule}:stated",
                    f"情节按报送单位注明的{SEVERITY.label(facts.severity)}认定；与按处罚种类和数额推定的{same}")
        return facts.severity
    if facts.severity:
        return facts.severity
    if facts.penalty is not None:
        raise DomainError("severity", "必填：没有可按处罚种类推定情节的规则，请注明情节（轻微、一般、严重）")
    raise DomainError("severity", "必填：请注明情节（轻微、一般、严重），行政处罚也可填写处罚类别由规则推定")


def _dishonest(book: Rulebook, entry: Entry, behavior: Behavior, facts: Facts,
               result: Determination) -> RulePath:
    in_force = _governing(book, facts.occurred_on, facts.region)
    circumstances = _circumstances(facts)
    kinds, mapped = violation_kinds(in_force, behavior, facts.violation_type)
    for e, rule in mapped:
        result.step(e, rule.clause, f"violation_kind:{rule.category}",
                    f"违法行为类型“{facts.violation_type.strip()}”属于{rule.name}")
    for e in in_force:
        for ex in e.pack.exemptions:
            if (_matches(behavior, ex.behaviors, ex.categories, kinds)
                    and circumstances & set(ex.when_any)
                    and facts.subject_kind in ex.subject_kinds):
                if facts.rectify_by:
                    raise DomainError("rectify_by", "豁免的记录不适用暂缓（整改期限应为空）")
                result.status = EXEMPTED
                result.step(e, ex.clause, f"exemption:{ex.code}",
                            "豁免：记录保留，不公示，不实施惩戒，不列入名单")
                return RulePath(result, True)
    threshold = behavior.finding_min_severity
    if SEVERITY_ORDER[facts.severity] < SEVERITY_ORDER[threshold]:
        result.status = EXEMPTED
        condition = f"（{behavior.finding_condition}）" if behavior.finding_condition else ""
        result.step(entry, behavior.clause, f"finding_threshold:{threshold}",
                    f"情节为{SEVERITY.label(facts.severity)}，未达到认定为失信行为所需的"
                    f"{SEVERITY.label(threshold)}{condition}：记录保留，不公示，不实施惩戒")
        return RulePath(result, True)
    found = book.period(facts.severity, facts.decided_on)
    if found is None:
        raise DomainError(
            "decided_on", f"{facts.decided_on.isoformat()} 没有施行中的公示期限规则"
            f"（严重程度 {facts.severity}），无法确定公示期")
    period_entry, period = found
    result.step(period_entry, period.clause, f"period:{period.severity}",
                f"{SEVERITY.label(period.severity)}失信：自决定之日起最短公示 "
                f"{period.min_months} 个月，最长 {period.max_months} 个月")
    if not period.publish:
        result.status = EXEMPTED
        result.step(period_entry, period.clause, f"period:{period.severity}:unpublished",
                    "轻微失信可不公示：记录保留，不公示，不实施惩戒")
        return RulePath(result, True)
    deferral = None
    if facts.rectify_by:
        deferral = _deferral(in_force, behavior, circumstances, kinds)
        if deferral is None:
            raise DomainError(
                "rectify_by", f"行为“{behavior.code}”在本案情形下没有可适用的暂缓规则"
                "（如太仓 8：受疫情不可抗力影响的违约，须同时勾选 force_majeure）")
    return RulePath(result, False, found, deferral, _list_rules(book, entry, behavior, facts))


def _deferral(in_force: list[Entry], behavior: Behavior, circumstances: set[str],
              kinds: frozenset[str]) -> Any:
    for e in in_force:
        for rule in e.pack.deferrals:
            if _matches(behavior, rule.behaviors, rule.categories, kinds) and (
                    not rule.when_any or circumstances & set(rule.when_any)):
                return e, rule
    return None


def _list_rules(book: Rulebook, entry: Entry, behavior: Behavior, facts: Facts
                ) -> tuple[tuple[Entry, Any], ...]:
    """The list rules a finding triggers (their dates come from the record's window)."""
    return tuple((e, rule) for e in _governing(book, facts.occurred_on, facts.region)
                 for rule in e.pack.lists
                 if _triggered(rule.entry, behavior, e.pack.id == entry.pack.id, facts.severity))


def _lists(path: RulePath, facts: Facts, result: Determination, window: Window) -> list[ListEntry]:
    entered = []
    for e, rule in path.lists:
        until = window.ends_on
        if rule.duration_months:
            until = add_months(window.starts_on, rule.duration_months) - dt.timedelta(days=1)
        entered.append(ListEntry(rule.code, rule.name, window.starts_on, until,
                                 e.pack.id, rule.clause))
        note = {PUBLISHED: "", DEFERRED: "（逾期未整改、公示后生效）",
                EXPIRED: "（公示期已届满，名单期限按规则计算）"}.get(result.status, "")
        result.step(e, rule.clause, f"list:{rule.code}", f"列入{rule.name}{note}")
    return entered
