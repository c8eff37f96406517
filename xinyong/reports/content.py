"""What a credit report says (报告内容), section by section, as plain data.

The sections follow the national standard for 公共信用信息报告 (2022 版): registration
basics; 行政管理信息 (licences, penalties); honours; 严重失信主体名单 and the other lists;
经营异常名录; commitments; credit evaluation; court judgements; advice; the statement.
What the platform does not hold or has not built yet is said in its section, never left
out or shown as "none".

Two versions: the public one (公开版) shows what the rules publish on the day (records in
their publicity window, public lists in force, licences not withdrawn); the full one (完整版,
for the subject itself and the office) every record and membership of any status. Both are
the same for every viewer: who may have which is `services.check_requester`'s rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from xinyong.reports import choices as c
from xinyong.subjects import codes
from xinyong.subjects.models import Subject

NUMERALS = "一二三四五六七八九十"


@dataclass
class Table:
    columns: tuple[str, ...]
    # Relative widths of the columns (they fill the page's width).
    widths: tuple[float, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)


@dataclass
class Part:
    """A sub-section: a table, or the sentence that says why there is none."""

    title: str
    table: Table | None = None
    empty: str = ""
    paragraphs: list[str] = field(default_factory=list)


@dataclass
class Section:
    title: str
    parts: list[Part]


@dataclass
class ReportContent:
    title: str
    subject_name: str
    kind_label: str
    code_label: str
    code_masked: str
    version: str
    version_label: str
    as_of: dt.date
    sections: list[Section]
    sources: list[str]

    def text(self) -> str:
        """Every word of the report's body, in order (the benchmark's floor draws these)."""
        words = [self.title, self.subject_name, self.code_masked]
        for section in self.sections:
            words.append(section.title)
            for part in section.parts:
                words += [part.title, part.empty, *part.paragraphs]
                if part.table:
                    words += list(part.table.columns)
                    words += [cell for row in part.table.rows for cell in row]
        return "\n".join(w for w in words if w)


def day(value: dt.date | None, none: str = "—") -> str:
    return value.strftime("%Y-%m-%d") if value else none


def build(subject: Subject, *, version: str, as_of: dt.date) -> ReportContent:
    """The report of `subject` as of `as_of` (its issue day) in `version`."""
    person = subject.kind == codes.PERSON
    records = _records(subject, version, as_of)
    licences = _licences(subject, version, as_of)
    lists = _lists(subject, version, as_of)
    full = version == c.FULL
    dishonest = [r for r in records if r["polarity"] == "dishonest"]
    penalties = [r for r in dishonest if r["penalty"]]
    findings = [r for r in dishonest if not r["penalty"]]
    good = [r for r in records if r["polarity"] != "dishonest"]

    sections: list[tuple[str, list[Part]]] = [
        ("基本信息" if person else "登记注册基础信息", [_basics(subject)]),
        ("行政管理信息", [
            Part("行政许可信息", _licence_table(licences),
                 empty="无" + ("" if full else "（截至报告出具时无有效的行政许可信息）")),
            Part("行政处罚信息", _penalty_table(penalties, full),
                 empty="无" + ("" if full else "（截至报告出具时无公示期内的行政处罚信息）")),
        ]),
        ("诚实守信相关荣誉信息", [Part("", _good_table(good, full), empty="无")]),
        ("严重失信主体名单及其他名单信息", [Part("", _list_table(lists), empty=(
            "无" if full else "无（截至报告出具时未被列入公开的名单）"))]),
    ]
    if not person:
        sections.append(("经营（活动）异常名录信息", [Part("", paragraphs=[
            "本平台未归集经营（活动）异常名录信息，请以国家企业信用信息公示系统为准。"])]))
    sections += [
        ("信用承诺信息", [Part("", _commitment_table(subject, full, as_of), empty=(
            "无" if full else "无（截至报告出具时无公示的信用承诺信息）"))]),
        ("信用评价信息", [_evaluation(subject, as_of)]),
        ("司法判决及执行信息", [Part("", paragraphs=[
            "本平台未归集司法判决及执行信息，请以人民法院公布的信息为准。"])]),
        # The standard's 其他信息: dishonest behaviour determined by a unit outside a penalty
        # (the packs' 失信行为认定, e.g. 福州 二).
        ("其他信息", [Part("失信行为认定信息", _finding_table(findings, full),
                          empty="无" + ("" if full else "（截至报告出具时无公示期内的失信行为认定信息）"))]),
        ("信用状况提升建议", [Part("", paragraphs=_advice(dishonest, as_of))]),
    ]
    sources = sorted({r["unit"] for r in records} | {lic["unit"] for lic in licences}
                     | {m["unit"] for m in lists})
    sections.append(("报告说明", [Part("", paragraphs=_statement(person, version, sources))]))
    return ReportContent(
        title="公共信用信息报告（" + ("自然人版" if person else "法人和非法人组织版" if
                                  subject.kind == codes.ORGANIZATION else "个体工商户版") + "）",
        subject_name=subject.name, kind_label=codes.KIND_LABELS[subject.kind],
        code_label="身份证号码" if person else "统一社会信用代码",
        code_masked=subject.code_masked, version=version, version_label=c.VERSION.label(version),
        as_of=as_of,
        sections=[Section(f"{_numeral(i)}、{title}", parts) for i, (title, parts) in
                  enumerate(sections, start=1)],
        sources=sources)


def _evaluation(subject: Subject, as_of: dt.date) -> Part:
    """A person's points under each scheme in force, an enterprise's grade and inspection
    rate, as of the issue day, each with its basis; provisional numbers say so."""
    from xinyong.lib.errors import DomainError
    from xinyong.policies import rulebook
    from xinyong.scores import services as scoring
    from xinyong.scores.choices import GRADE
    from xinyong.scores.templatetags.score_tags import percent

    table = Table(("评价项目", "结果", "依据", "说明"), (2, 2, 3, 4))
    book = rulebook.current()
    if subject.kind == codes.PERSON:
        for scheme in scoring.schemes_for(book, subject.kind, as_of):
            result = scoring.score(subject, as_of, scheme.code)
            pack = scheme.entry.pack
            table.rows.append((
                result.name, f"{result.points} 分" + (f"（{result.level}）" if result.level else ""),
                f"{pack.doc_number} 第{result.clause}条",
                f"基础分 {result.base} 分，加减分 {len(result.items)} 项"
                + ("；分值为暂定值，以信用办公布的正式分值为准" if result.provisional else "")))
        empty = "无（截至报告出具时没有适用的信用积分方案）"
    else:
        try:
            g = scoring.grade(subject, as_of)
        except DomainError:
            g = None
        if g is not None:
            basis = g.basis[0]
            entry = book.entry(basis.policy)
            doc = entry.pack.doc_number if entry else basis.policy
            adjusted = "；".join(f"{b.name}（{b.doc_number} {b.clause}）" for b in g.basis[1:])
            table.rows.append((
                "企业信用风险分类", GRADE.label(g.grade), f"{doc} {basis.clause}：{basis.name}",
                f"“双随机”抽查比例 {percent(g.inspection_rate)}"
                + (f"（{adjusted}）" if adjusted else "")
                + ("；比例为暂定值" if g.provisional else "")))
        empty = "无（截至报告出具时没有适用的信用风险分类规则）"
    return Part("", table if table.rows else None, empty=empty)


def _commitment_table(subject: Subject, full: bool, as_of: dt.date) -> Table | None:
    """信用承诺信息: the commitments signed by the issue day (public version: the public ones
    of enterprises, not withdrawn; full version: all), with type, accepting unit and 履行状态."""
    from xinyong.commitments.models import Commitment, public_q

    rows = (Commitment.objects.filter(subject=subject, number__isnull=False,
                                      signed_at__date__lte=as_of)
            .select_related("accepting_unit").order_by("-signed_at", "-id"))
    if not full:
        rows = rows.filter(public_q())
    table = Table(("承诺书", "承诺类型", "受理单位", "签署日期", "履行状态", "依据"), (4, 3, 3, 2, 2, 3))
    for one in rows:
        table.rows.append((
            one.name + (f"（{one.matter}）" if one.matter else ""), one.kind_label,
            one.accepting_unit.name if one.accepting_unit else "—",
            day(timezone.localtime(one.signed_at).date()), one.status_label,
            f"{one.doc_number} {one.clause}"))
    return table if table.rows else None


def _numeral(n: int) -> str:
    if n <= 10:
        return NUMERALS[n - 1]
    return "十" + NUMERALS[n - 11]


def _basics(subject: Subject) -> Part:
    person = subject.kind == codes.PERSON
    rows: list[tuple[str, ...]] = [("姓名" if person else "名称", subject.name),
            ("身份证号码（已脱敏）" if person else "统一社会信用代码", subject.code_masked),
            ("主体类别", codes.KIND_LABELS[subject.kind])]
    part = Part("", Table(("项目", "内容"), (1, 3), rows))
    if not person:
        part.paragraphs.append("本平台未归集登记机关的登记注册详细信息（法定代表人、成立日期、注册资本、"
                               "住所、经营范围等），请以国家企业信用信息公示系统为准。")
    return part


# -- the rows -----------------------------------------------------------------------------

def _records(subject: Subject, version: str, as_of: dt.date) -> list[dict[str, Any]]:
    from xinyong.policies.models import PolicyVersion
    from xinyong.policies.rulebook import pack_of
    from xinyong.records.choices import STATUS
    from xinyong.records.models import Record, effective_status
    from xinyong.records.penalties import from_json, is_penalty
    from xinyong.records.publicity import published_q

    # The determination's trace and list entries are not in a report: not loaded; nor is
    # each record's pack document (pack_of parses a version once per process, and loads
    # its data only then).
    query = (Record.objects.filter(subject=subject).select_related("unit")
             .defer("lists", "own_trace"))
    if version == c.PUBLIC:
        query = query.filter(published_q(as_of))
    rows = list(query.order_by("-decided_on", "-id"))
    versions = PolicyVersion.objects.defer("data").in_bulk({r.policy_version_id for r in rows})
    found = []
    for record in rows:
        pack = pack_of(versions[record.policy_version_id])
        behavior = next((b for b in pack.behaviors if b.code == record.behavior), None)
        status = effective_status(record, as_of)
        penalty = from_json(record.penalty) if is_penalty(record) else None
        found.append({
            "polarity": record.polarity, "decision_no": record.decision_no,
            "behavior_text": behavior.text if behavior else record.behavior,
            "basis": f"{pack.doc_number} 第{behavior.clause}条" if behavior and behavior.clause
            else pack.doc_number,
            "unit": record.unit.name, "decided_on": record.decided_on, "ends_on": record.ends_on,
            "status": STATUS.label(status), "objection": record.objection_open,
            "facts": record.facts, "penalty": penalty,
            "authority": (penalty.authority_name if penalty and penalty.authority_name
                          else record.unit.name),
        })
    return found


def _licences(subject: Subject, version: str, as_of: dt.date) -> list[dict[str, Any]]:
    from xinyong.licences.models import STATUS_LABELS, VALID, Licence

    rows = Licence.objects.filter(subject=subject).select_related("unit")
    if version == c.PUBLIC:
        rows = rows.filter(status=VALID)
    return [{
        "decision_no": lic.decision_no, "kind": lic.kind,
        "name": "；".join(x for x in (lic.licence_name, lic.licence_no) if x) or lic.decision_name,
        "content": lic.content, "authority": lic.authority_name, "unit": lic.unit.name,
        "decided_on": lic.decided_on, "valid_from": lic.valid_from, "valid_to": lic.valid_to,
        "status": STATUS_LABELS[lic.status] if not lic.expired_on(as_of) or lic.status != VALID
        else "已过有效期",
    } for lic in rows.order_by("-decided_on", "-id")]


def _lists(subject: Subject, version: str, as_of: dt.date) -> list[dict[str, Any]]:
    from xinyong.lists.models import Membership, active_q, describe
    from xinyong.records.models import Record

    rows = Membership.objects.filter(subject=subject)
    if version == c.PUBLIC:
        rows = rows.filter(active_q(as_of), public=True)
    found = describe(rows, as_of)
    # Which unit reported the record each entry follows from (the report's sources).
    units = dict(Record.objects.filter(pk__in={item["record_id"] for item in found})
                 .values_list("pk", "unit__name"))
    for item in found:
        item["unit"] = units[item["record_id"]]
    return found


def _status(row: dict[str, Any], full: bool) -> str:
    text = row["status"] if full else "公示中"
    return text + ("（异议处理中）" if row["objection"] else "")


def _penalty_table(rows: list[dict[str, Any]], full: bool) -> Table | None:
    if not rows:
        return None
    table = Table(("决定文书号", "处罚类别及内容", "处罚机关", "决定日期", "公示截止", "状态"),
                  (2.2, 4, 2, 1.4, 1.4, 1.3))
    for r in rows:
        p = r["penalty"]
        what = [f"处罚类别：{'、'.join(p.category)}" if p.category else "",
                f"处罚内容：{p.content}" if p.content else "",
                f"违法事实：{r['facts']}" if r["facts"] else ""]
        table.rows.append((r["decision_no"], "\n".join(w for w in what if w) or r["behavior_text"],
                           r["authority"], day(r["decided_on"]), day(r["ends_on"], "长期"),
                           _status(r, full)))
    return table


def _finding_table(rows: list[dict[str, Any]], full: bool) -> Table | None:
    if not rows:
        return None
    table = Table(("认定文书号", "失信行为及认定依据", "认定单位", "认定日期", "公示截止", "状态"),
                  (2.2, 4, 2, 1.4, 1.4, 1.3))
    for r in rows:
        table.rows.append((r["decision_no"], f"{r['behavior_text']}\n依据：{r['basis']}", r["unit"],
                           day(r["decided_on"]), day(r["ends_on"], "长期"), _status(r, full)))
    return table


def _good_table(rows: list[dict[str, Any]], full: bool) -> Table | None:
    if not rows:
        return None
    table = Table(("文书号", "守信行为及依据", "认定单位", "认定日期", "状态"), (2.2, 5, 2, 1.4, 1.3))
    for r in rows:
        table.rows.append((r["decision_no"], f"{r['behavior_text']}\n依据：{r['basis']}", r["unit"],
                           day(r["decided_on"]), _status(r, full)))
    return table


def _licence_table(rows: list[dict[str, Any]]) -> Table | None:
    if not rows:
        return None
    table = Table(("决定文书号", "许可证书名称及编号、许可内容", "许可类别", "许可机关", "有效期", "状态"),
                  (2.2, 3.8, 1, 2, 2, 1.2))
    for r in rows:
        table.rows.append((r["decision_no"], "\n".join(x for x in (r["name"], r["content"]) if x),
                           r["kind"], r["authority"],
                           f"{day(r['valid_from'])} 至 {day(r['valid_to'], '长期')}", r["status"]))
    return table


def _list_table(rows: list[dict[str, Any]]) -> Table | None:
    if not rows:
        return None
    table = Table(("名单", "列入日期", "移出或届满日期", "列入依据", "状态"), (2.6, 1.5, 1.8, 3.2, 2))
    for m in rows:
        ended = m["ended_on"] or m["until"]
        state = "在列" if m["active"] else (m["exit_label"] or "未生效")
        table.rows.append((m["name"], day(m["since"]), day(ended, "—"),
                           f"{m['doc_number']} 第{m['clause']}条" if m["clause"] else m["doc_number"],
                           state))
    return table


# -- advice and statement -----------------------------------------------------------------

def _advice(dishonest: list[dict[str, Any]], as_of: dt.date) -> list[str]:
    shown = [r for r in dishonest if r["status"] == "公示中"]
    if not shown:
        return ["截至报告出具时，未发现公示期内的失信信息。请继续保持良好的信用记录。"]
    advice = []
    for r in shown:
        if r["objection"]:
            advice.append(f"“{r['behavior_text']}”（{r['decision_no']}）的异议正在处理中，"
                          "处理结果将通知申请人。")
        else:
            advice.append(f"“{r['behavior_text']}”（{r['decision_no']}）：完成整改、履行相关义务后，"
                          "可按规定申请信用修复；修复后不再公示。")
    advice.append("信用修复可登录本平台“信用修复”办理，受疫情影响的企业可走绿色通道。")
    return advice


def _statement(person: bool, version: str, sources: list[str]) -> list[str]:
    site = settings.SITE_NAME
    root = settings.SITE_ROOT.rstrip("/")
    verify = root + reverse("reports:verify")
    lines = [
        f"本报告由{site}依据归集的公共信用信息自动生成，数据截至报告出具时间。"
        "报告内容客观、中立，如实反映信息提供单位报送的信息，未经任何加工或修改。",
        "信息来源：" + ("、".join(sources) + "。" if sources else
                    "截至报告出具时，平台未归集到该主体的行政管理、荣誉及名单信息。"),
    ]
    if version == c.PUBLIC:
        lines.append("本报告为公开版，仅包含依规在公示期内的信息；不予公示、已修复、已撤销以及公示期届满的信息"
                     "不在本报告中。")
    else:
        lines.append("本报告为完整版，包含各种状态的信用信息（含不予公示、已修复、已撤销、公示期届满的信息），"
                     "仅供信用主体本人及信用办查阅，不得向第三方提供或用于其他用途。")
    lines += [
        f"如对报告内容有异议，可登录{site}（{root}）提出异议申请；符合条件的失信信息可申请信用修复。",
        f"本报告自出具之日起 {settings.REPORT_VALID_DAYS} 日内有效。"
        f"使用方可扫描报告首页二维码，或在 {verify} "
        "输入报告编号核验报告真伪；上传电子版可核验文件是否与出具时完全一致。",
    ]
    if person:
        lines.append("本报告含个人信息，身份证号码已作脱敏处理。请妥善保管，仅用于本人办理相关事务。")
    return lines
