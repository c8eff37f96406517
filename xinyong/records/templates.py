"""The bulk-file template (导入模板) a unit downloads: Chinese headers the reader accepts,
sample rows that import as they are (for that unit, today), the behaviour codes the unit
may use, and instructions. Built from the packs in force, so it never names a behaviour
the unit could not report."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from xinyong.policies import jurisdiction
from xinyong.policies.choices import SEVERITY
from xinyong.policies.rulebook import Entry, Rulebook
from xinyong.policies.schema import Behavior
from xinyong.subjects import codes

# Each header is one of bulk.COLUMNS' names, so the file reads back as it is.
HEADER = ["主体类别", "主体名称", "统一社会信用代码", "证件号码", "行为代码", "行为发生日期",
          "决定日期", "决定文书号", "事实", "情节", "违法行为类型", "疫情不可抗力",
          "因参与疫情防控", "整改期限", "外部编号"]
KIND_LABELS = codes.KIND_LABELS
POLARITY = {"dishonest": "失信", "good": "良好"}
# Valid codes for the sample rows (check digits computed), by kind.
SAMPLE_SUBJECTS = {
    codes.ORGANIZATION: ("示例信用科技有限公司", "91350100M000100Y43"),
    codes.INDIVIDUAL_BUSINESS: ("示例药店（个体工商户）", "92350105MA2Y000040"),
    codes.PERSON: ("示例（自然人）", "11010519491231002X"),
}
INSTRUCTIONS = [
    ("主体类别", "法人及非法人组织、个体工商户、自然人（也可填 organization、individual_business、person）"),
    ("主体名称", "与营业执照或身份证一致；不要在名称中填写证件号码"),
    ("统一社会信用代码", "法人及非法人组织、个体工商户填写 18 位统一社会信用代码"),
    ("证件号码", "自然人填写 18 位居民身份证号码（也可填在“统一社会信用代码”列）"),
    ("行为代码", "见“行为代码”工作表：只能使用本单位辖区适用的政策中的行为；"
                 "双公示行政处罚填 administrative_penalty"),
    ("日期", "2026-11-10、2026/11/10、20261110 或 Excel 日期均可；决定日期不能晚于今天"),
    ("情节", "轻微、一般、严重（也可填 minor、general、serious）"),
    ("违法行为类型", "行政处罚填写，如“未按期申报纳税”“合同违约”：政策据此判断是否适用豁免或暂缓"),
    ("疫情不可抗力 / 因参与疫情防控", "是 或 否；属实的填“是”，可能适用豁免、暂缓（如太仓 8、9）"),
    ("整改期限", "暂缓公示的，填写责令整改的期限；否则留空"),
    ("外部编号", "本单位业务系统中的编号，可选；同一编号不会重复导入"),
    ("示例行", "前几行是示例，可以原样导入以试用；正式导入前请删除示例行"),
]


@dataclass(frozen=True)
class Offer:
    """A behaviour the unit may use, with its pack."""

    entry: Entry
    behavior: Behavior


def offers(book: Rulebook, region: str | None, today: dt.date, *, everywhere: bool = False
           ) -> list[Offer]:
    """The behaviours in force today for a unit in `region` (all packs for the office)."""
    found: list[Offer] = []
    seen: set[str] = set()
    for entry in book.in_force(today):
        if not everywhere and not jurisdiction.governs(entry, region):
            continue
        for behavior in entry.pack.behaviors:
            if behavior.code not in seen:
                seen.add(behavior.code)
                found.append(Offer(entry, behavior))
    return found


def sample_rows(choices: list[Offer], today: dt.date) -> list[list[str]]:
    """Rows that import as they are: the national penalty, then one finding and one good
    record of the unit's own local packs, dated inside their packs' time in force."""
    local = [o for o in choices if o.entry.pack.regions]
    picks: list[tuple[Offer, str]] = []
    penalty = next((o for o in choices if o.behavior.code == "administrative_penalty"), None)
    if penalty:
        picks.append((penalty, "general"))
    finding = next((o for o in local if o.behavior.polarity == "dishonest"
                    and "organization" in o.behavior.subject_kinds), None)
    if finding:
        # 一般 shows publication; a behaviour found only when serious gets 严重.
        threshold = finding.behavior.finding_min_severity
        picks.append((finding, "serious" if threshold == "serious" else "general"))
    good = next((o for o in local if o.behavior.polarity == "good"
                 and "organization" in o.behavior.subject_kinds), None)
    if good:
        picks.append((good, "general"))
    decided = today - dt.timedelta(days=7)
    rows = []
    for n, (offer, severity) in enumerate(picks, start=1):
        start = offer.entry.pack.effective_from
        occurred = max(decided - dt.timedelta(days=5), start)
        name, code = SAMPLE_SUBJECTS[codes.ORGANIZATION]
        rows.append([
            KIND_LABELS[codes.ORGANIZATION], name, code, "", offer.behavior.code,
            occurred.isoformat(), max(decided, occurred).isoformat(),
            f"示例〔{today.year}〕{n}号", f"示例：{offer.behavior.text[:30]}",
            SEVERITY.label(severity), "", "否", "否", "", f"SAMPLE-{today:%Y%m%d}-{n}",
        ])
    return rows


def behavior_table(choices: list[Offer]) -> tuple[list[str], list[list[str]]]:
    header = ["行为代码", "行为", "性质", "适用主体", "认定为失信的最低情节", "认定条件", "政策文号",
              "条款", "施行日期", "适用地区"]
    rows = []
    for offer in choices:
        b, pack = offer.behavior, offer.entry.pack
        rows.append([
            b.code, b.text, POLARITY[b.polarity], "、".join(KIND_LABELS[k] for k in b.subject_kinds),
            SEVERITY.label(b.finding_min_severity) if b.polarity == "dishonest" else "—",
            b.finding_condition, pack.doc_number, b.clause, offer.entry.dates(),
            jurisdiction.areas(offer.entry),
        ])
    return header, rows


def as_csv(choices: list[Offer], today: dt.date) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(sample_rows(choices, today))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def behaviors_csv(choices: list[Offer]) -> bytes:
    header, rows = behavior_table(choices)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def as_xlsx(choices: list[Offer], today: dt.date) -> bytes:
    """Three sheets: 信用记录 (header and sample rows), 行为代码, 填写说明."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "template.xlsx"
        book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False,
                                               "strings_to_numbers": False})
        text = book.add_format({"num_format": "@"})  # codes and dates stay text
        bold = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
        sheet = book.add_worksheet("信用记录")
        sheet.write_row(0, 0, HEADER, bold)
        for i, row in enumerate(sample_rows(choices, today), start=1):
            sheet.write_row(i, 0, row, text)
        sheet.set_column(0, len(HEADER) - 1, 16, text)
        sheet.freeze_panes(1, 0)
        header, rows = behavior_table(choices)
        codes_sheet = book.add_worksheet("行为代码")
        codes_sheet.write_row(0, 0, header, bold)
        for i, row in enumerate(rows, start=1):
            codes_sheet.write_row(i, 0, row)
        codes_sheet.set_column(0, 0, 32)
        codes_sheet.set_column(1, 1, 50)
        codes_sheet.set_column(2, len(header) - 1, 14)
        codes_sheet.freeze_panes(1, 0)
        guide = book.add_worksheet("填写说明")
        guide.write_row(0, 0, ["列", "说明"], bold)
        for i, (column, note) in enumerate(INSTRUCTIONS, start=1):
            guide.write_row(i, 0, [column, note])
        guide.set_column(0, 0, 24)
        guide.set_column(1, 1, 90)
        book.close()
        return path.read_bytes()


def national_csv(kind: str, today: dt.date) -> bytes:
    """A template in the national standard's columns (行政处罚 or 行政许可, 2021 版), with one
    example row: what a department's own system exports can be uploaded as it is."""
    from xinyong.records import bulk

    decided = (today - dt.timedelta(days=3)).isoformat()
    party = ["福州示例信用科技有限公司", "法人及非法人组织", "91350100M000100Y43", "", "", "", "", "",
             "张三", "身份证", "", "", ""]
    if kind == "penalties":
        header = bulk.NATIONAL_PENALTY
        row = [*party, "榕市监罚〔2026〕1号", "违反价格管理规定", "未按规定明码标价", "《价格法》第四十二条",
               "罚款", "罚款 0.5 万元", "0.5", "", "", decided, "", "", "某市场监督管理局", "", "", "", ""]
    else:
        header = bulk.NATIONAL_LICENCE
        row = [*party, "食品经营许可决定书", "榕市监许〔2026〕1号", "普通", "食品经营许可证",
               "JY13501000012345", "预包装食品销售", decided, decided, "", "某市场监督管理局", "", "1",
               "", "", ""]
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerow(row)
    return buffer.getvalue().encode("utf-8")
