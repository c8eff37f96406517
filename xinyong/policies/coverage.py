"""The clause coverage table (docs/policies.md): every clause and what implements it."""

from __future__ import annotations

from dataclasses import dataclass

from xinyong.policies.choices import SEVERITY
from xinyong.policies.schema import COMMITMENT_KINDS, SCENARIOS, Implementation, Pack

KIND_LABELS = {
    "behavior": "行为认定", "measure": "奖惩措施", "list": "名单", "exemption": "豁免",
    "deferral": "暂缓", "violation_kind": "违法行为类型归类", "period": "公示与修复期限",
    "repair_channel": "修复渠道",
    "objection": "异议处理", "score": "信用积分", "service": "在线服务", "page": "页面",
    "not_automatable": "不能自动执行", "penalty_severity": "处罚情节推定",
    "publication": "双公示报送时限", "grade": "信用风险分类", "inspection_adjustment": "抽查比例调整",
    "commitment_template": "信用承诺书", "commitment_rules": "信用承诺规则",
    "force_majeure": "不可抗力事实性证明", "credit_loans": "信易贷规则",
}


@dataclass(frozen=True)
class Does:
    """What the platform does for a clause, in parts: the kind (行为认定…), what it is called
    in words, its code (shown beside the words, for clerks), details and the pack's note."""

    label: str
    name: str = ""
    code: str = ""
    detail: str = ""
    note: str = ""
    url: str = ""


def _short(text: str, limit: int = 40) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def explain(pack: Pack, impl: Implementation) -> Does:
    """One implementation of a clause, for the policy page and the coverage table."""
    label = KIND_LABELS[impl.kind]
    ref = impl.ref or ""
    name = detail = url = ""
    if impl.kind == "behavior":
        b = next(b for b in pack.behaviors if b.code == ref)
        name = _short(b.text)
        polarity = "失信" if b.polarity == "dishonest" else "良好"
        threshold = (f"，{SEVERITY.label(b.finding_min_severity)}及以上认定"
                     if b.polarity == "dishonest" else "")
        detail = f"{polarity}{threshold}"
    elif impl.kind == "measure":
        m = next(m for m in pack.measures if m.code == ref)
        name = _short(m.text)
        kind = "惩戒" if m.kind == "restrict" else "激励"
        scenes = "、".join(pack.scenarios.get(s) or SCENARIOS.get(s, s) for s in m.scenarios)
        detail = f"{kind}：{scenes}"
    elif impl.kind == "list":
        name = next(entry.name for entry in pack.lists if entry.code == ref)
    elif impl.kind == "period":
        p = next(p for p in pack.periods if p.severity == ref)
        name = SEVERITY.label(p.severity)
        detail = (f"最短 {p.min_months} 个月，最长 {p.max_months} 个月"
                  + ("" if p.publish else "，可不公示"))
    elif impl.kind == "repair_channel":
        r = next(r for r in pack.repair_channels if r.code == ref)
        name, detail = r.name, f"{r.decide_working_days} 个工作日内办结"
    elif impl.kind == "violation_kind":
        k = next(k for k in pack.violation_kinds if k.category == ref)
        name, detail = k.name, f"违法行为类型含“{'、'.join(k.contains[:3])}”等"
    elif impl.kind == "penalty_severity" and pack.penalty_severity:
        rule = next(r for r in pack.penalty_severity.rules if r.code == ref)
        name = rule.name
        detail = f"推定为{SEVERITY.label(rule.severity)}" + (
            "（暂定标准）" if pack.penalty_severity.provisional else "")
    elif impl.kind == "publication" and pack.publication:
        detail = f"决定之日起 {pack.publication.working_days} 个工作日内"
    elif impl.kind == "service":
        name = next(s.name for s in pack.services if s.code == ref)
    elif impl.kind == "commitment_template":
        template = next(t for t in pack.commitment_templates if t.code == ref)
        breach = next((b.text for b in pack.behaviors if b.code == template.breach_behavior), "")
        name = template.name
        detail = COMMITMENT_KINDS[template.kind] + (f"；违诺记为“{_short(breach)}”" if breach else "")
    elif impl.kind == "commitment_rules" and pack.commitment_rules:
        barred = pack.commitment_rules.barred_after_breach
        kinds = "、".join(COMMITMENT_KINDS[k] for k in barred)
        detail = f"违诺记录公示期间不适用：{kinds}" if barred else ""
    elif impl.kind == "force_majeure" and pack.force_majeure:
        fm = pack.force_majeure
        detail = (f"{fm.accept_working_days} 个工作日内受理，"
                  f"{fm.decide_working_days} 个工作日内出具或不予出具")
    elif impl.kind == "credit_loans" and pack.credit_loans:
        loans = pack.credit_loans
        detail = (f"授权最长 {loans.grant_max_months} 个月；需求 {loans.take_working_days} 个工作日内受理，"
                  f"受理后 {loans.outcome_working_days} 个工作日内反馈结果")
    elif impl.kind == "exemption":
        name = _short(next(e.text for e in pack.exemptions if e.code == ref))
    elif impl.kind == "deferral":
        name = _short(next(d.text for d in pack.deferrals if d.code == ref))
    elif impl.kind == "score":
        scheme = next((s for s in pack.scores if s.code == ref), None)
        if scheme:
            name = scheme.name
            detail = (f"基础分 {scheme.base}，范围 {scheme.min}–{scheme.max}，{len(scheme.rules)} 条计分规则"
                      + ("（暂定分值）" if scheme.provisional else ""))
    elif impl.kind == "grade" and pack.grades:
        grade_rule = next(r for r in pack.grades.rules if r.code == ref)
        rate = pack.grades.rates[grade_rule.grade]  # type: ignore[index]
        name = grade_rule.name
        detail = f"{grade_rule.grade} 类，抽查比例 {(rate * 100).normalize():f}%" + (
            "（暂定）" if pack.grades.provisional else "")
    elif impl.kind == "inspection_adjustment":
        adj = next(a for a in pack.inspection_adjustments if a.code == ref)
        name = adj.name
        detail = f"{'、'.join(adj.grades)} 类抽查比例乘以 {adj.factor}" + (
            "（暂定）" if adj.provisional else "")
    elif impl.kind == "page":
        from django.urls import NoReverseMatch, reverse

        try:
            url = reverse(ref)
        except NoReverseMatch:
            url = ""
    return Does(label, name, ref, detail, impl.note, url)


# Trace steps (records.determination) whose rule is not an implementation kind.
STEP_LABELS = {"finding_threshold": "认定门槛", "rectified": "按期整改",
               "period:elapsed": "公示期已满", "deferral:lapsed": "暂缓期满未整改",
               "unpublished": "不予公示", "rectified_list": "整改移出名单"}


def rule_label(rule: str) -> str:
    """A trace step's rule (`period:serious`, `list:watch:rectified`…) in words, for pages;
    the API keeps the code."""
    kind, _, rest = rule.partition(":")
    if rule in STEP_LABELS:
        return STEP_LABELS[rule]
    if kind == "period" and rest:
        severity, _, flag = rest.partition(":")
        label = f"公示期限（{SEVERITY.label(severity) if severity in SEVERITY else severity}）"
        return label + ("：不予公示" if flag == "unpublished" else "")
    if kind == "list" and rest.endswith(":rectified"):
        return STEP_LABELS["rectified_list"]
    return KIND_LABELS.get(kind) or STEP_LABELS.get(kind) or rule


def describe(pack: Pack, impl: Implementation) -> str:
    """One line on what the platform does for a clause (Markdown, for docs/policies.md)."""
    does = explain(pack, impl)
    text = f"{does.label} `{does.code}`" if does.code else does.label
    words = "：".join(part for part in (does.name, does.detail) if part)
    if words:
        text += f"（{words}）"
    if does.note:
        text += f"：{does.note}"
    return text


def _cell(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split()).replace("|", "｜")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def render(packs: list[Pack]) -> str:
    lines = [
        "# Policy coverage",
        "",
        "Generated by `xinyong policy coverage` from the packs in `xinyong/policies/packs/`;",
        "do not edit by hand (a test compares this file with the packs).",
        "Every clause of every shipped document is listed with what implements it.",
        "",
    ]
    for pack in sorted(packs, key=lambda p: p.id):
        lines += [f"## {pack.doc_number} {pack.title}", ""]
        meta = [f"pack `{pack.id}`", pack.issuer, pack.jurisdiction,
                f"effective from {pack.effective_from}"]
        if pack.effective_until:
            meta.append(f"until {pack.effective_until}")
        if pack.ends_with_event:
            meta.append(f"ends with event `{pack.ends_with_event.code}` ({pack.ends_with_event.name})")
        lines += ["; ".join(meta) + ".", ""]
        for doc in pack.forwarded_by:
            lines += [f"Forwarded by {doc.doc_number} ({doc.issuer}).", ""]
        lines += ["| clause | text | implemented by |", "|---|---|---|"]
        for clause in pack.clauses:
            what = "<br>".join(describe(pack, impl) for impl in clause.implemented_by)
            lines.append(f"| {clause.id} | {_cell(clause.title or clause.text)} | {what} |")
        lines.append("")
    return "\n".join(lines)
