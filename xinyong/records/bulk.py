"""Bulk files (批量导入): reading CSV or XLSX row by row, our column names or 双公示 names.

Rows are streamed, never held all at once, by a child process under limits
(`lib.tabular`); each row becomes a Submission or a list of errors that name the row
number, the column and the problem.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from xinyong.lib.errors import DomainError
from xinyong.lib.pii import mask_id_numbers
from xinyong.lib.tabular import FileError, rows
from xinyong.lib.text import bad_characters
from xinyong.records import penalties
from xinyong.records.services import Submission, name_problem
from xinyong.subjects import codes

# Our own column names, with the 双公示 names (行政处罚数据标准 2021 版, and older files) and
# common variants that mean the same. Headers are compared after NFKC (full-width brackets
# become half-width) with spaces and line breaks removed. The second name is the one pages
# and the error file use.
COLUMNS: dict[str, list[str]] = {
    "subject_kind": ["subject_kind", "主体类别", "行政相对人类别"],
    "subject_name": ["subject_name", "主体名称", "行政相对人名称"],
    "subject_code": ["subject_code", "主体代码", "统一社会信用代码",
                     "行政相对人代码_1(统一社会信用代码)", "行政相对人代码_1"],
    "id_type": ["id_type", "证件类型"],
    "id_number": ["id_number", "证件号码"],
    "behavior": ["behavior", "行为代码"],
    "occurred_on": ["occurred_on", "行为发生日期", "违法行为发生日期"],
    "decided_on": ["decided_on", "决定日期", "处罚决定日期", "许可决定日期"],
    "decision_no": ["decision_no", "决定文书号", "行政处罚决定书文号", "行政许可决定文书号"],
    "facts": ["facts", "事实", "违法事实"],
    "severity": ["severity", "情节", "失信程度"],
    "force_majeure": ["force_majeure", "疫情不可抗力"],
    "epidemic_duty": ["epidemic_duty", "因参与疫情防控"],
    "rectify_by": ["rectify_by", "整改期限"],
    "external_id": ["external_id", "外部编号"],
    "violation_type": ["violation_type", "违法行为类型"],
    # 行政处罚信息 (records/penalties.py)
    "legal_rep": ["legal_rep", "法定代表人"],
    "legal_rep_id_type": ["legal_rep_id_type", "法定代表人证件类型"],
    "legal_rep_id": ["legal_rep_id", "法定代表人证件号码"],
    "penalty_category": ["penalty_category", "处罚类别"],
    "penalty_content": ["penalty_content", "处罚内容"],
    "fine_wan": ["fine_wan", "罚款金额(万元)", "罚款金额"],
    "fine_yuan": ["fine_yuan", "罚款金额(元)"],
    "confiscated_wan": ["confiscated_wan", "没收违法所得、没收非法财物的金额(万元)",
                        "没收违法所得、没收非法财物的金额", "没收金额(万元)"],
    "confiscated_yuan": ["confiscated_yuan", "没收违法所得、没收非法财物的金额(元)", "没收金额(元)"],
    "licence_affected": ["licence_affected", "暂扣或吊销证照名称及编号"],
    "basis": ["basis", "处罚依据"],
    "valid_until": ["valid_until", "处罚有效期"],
    "publicity_until": ["publicity_until", "公示截止期"],
    "authority_name": ["authority_name", "处罚机关"],
    "authority_code": ["authority_code", "处罚机关统一社会信用代码"],
    "source_unit_name": ["source_unit_name", "数据来源单位"],
    "source_unit_code": ["source_unit_code", "数据来源单位统一社会信用代码"],
    "remarks": ["remarks", "备注"],
    # 行政许可信息 (licences/bulk.py); the party columns above are shared.
    "decision_name": ["decision_name", "行政许可决定文书名称", "决定文书名称"],
    "licence_kind": ["licence_kind", "许可类别"],
    "licence_name": ["licence_name", "许可证书名称"],
    "licence_no": ["licence_no", "许可编号"],
    "licence_content": ["licence_content", "许可内容"],
    "valid_from": ["valid_from", "有效期自"],
    "valid_to": ["valid_to", "有效期至"],
    "licence_authority_name": ["licence_authority_name", "许可机关"],
    "licence_authority_code": ["licence_authority_code", "许可机关统一社会信用代码"],
    "licence_status": ["licence_status", "当前状态"],
}
# The national standards' headers (2021 版), in their order, as the templates give them and
# the upward exchange writes them.
NATIONAL_PARTY = [
    "行政相对人名称", "行政相对人类别", "行政相对人代码_1(统一社会信用代码)", "行政相对人代码_2(工商注册号)",
    "行政相对人代码_3(组织机构代码)", "行政相对人代码_4(税务登记号)", "行政相对人代码_5(事业单位证书号)",
    "行政相对人代码_6(社会组织登记证号)", "法定代表人", "法定代表人证件类型", "法定代表人证件号码",
    "证件类型", "证件号码"]
NATIONAL_PENALTY = [
    *NATIONAL_PARTY, "行政处罚决定书文号", "违法行为类型", "违法事实", "处罚依据", "处罚类别", "处罚内容",
    "罚款金额(万元)", "没收违法所得、没收非法财物的金额(万元)", "暂扣或吊销证照名称及编号", "处罚决定日期",
    "处罚有效期", "公示截止期", "处罚机关", "处罚机关统一社会信用代码", "数据来源单位",
    "数据来源单位统一社会信用代码", "备注"]
NATIONAL_LICENCE = [
    *NATIONAL_PARTY, "行政许可决定文书名称", "行政许可决定文书号", "许可类别", "许可证书名称", "许可编号",
    "许可内容", "许可决定日期", "有效期自", "有效期至", "许可机关", "许可机关统一社会信用代码", "当前状态",
    "数据来源单位", "数据来源单位统一社会信用代码", "备注"]

# The kind of a 双公示 file, by the columns only one standard has.
LICENCE_ONLY = {"decision_name", "licence_kind", "licence_name", "licence_no", "licence_content",
                "valid_from", "valid_to", "licence_authority_name", "licence_authority_code"}
PENALTY_ONLY = {"penalty_category", "penalty_content", "fine_wan", "fine_yuan", "confiscated_wan",
                "confiscated_yuan", "licence_affected", "basis", "authority_name", "authority_code",
                "severity", "behavior", "violation_type", "facts", "occurred_on"}
RECORDS, LICENCES = "records", "licences"
PENALTY_KEYS = ("legal_rep", "legal_rep_id", "penalty_category", "penalty_content", "fine_wan",
                "fine_yuan", "confiscated_wan", "confiscated_yuan", "licence_affected", "basis",
                "valid_until", "publicity_until", "authority_name", "authority_code",
                "source_unit_name", "source_unit_code", "remarks")


def header_key(name: str) -> str:
    """A header cell as compared: NFKC, no spaces or line breaks, lower case."""
    return "".join(unicodedata.normalize("NFKC", name).split()).lower()


ALIASES = {header_key(name): key for key, names in COLUMNS.items() for name in names}
REQUIRED = ["subject_kind", "subject_name", "decided_on", "decision_no"]

KINDS = {
    "organization": codes.ORGANIZATION, "法人及非法人组织": codes.ORGANIZATION,
    "法人": codes.ORGANIZATION, "非法人组织": codes.ORGANIZATION,
    "individual_business": codes.INDIVIDUAL_BUSINESS, "个体工商户": codes.INDIVIDUAL_BUSINESS,
    "person": codes.PERSON, "自然人": codes.PERSON,
}
SEVERITIES = {"minor": "minor", "轻微": "minor", "general": "general", "一般": "general",
              "serious": "serious", "严重": "serious", "较重": "serious", "比较严重": "serious"}
TRUE = {"true", "1", "yes", "y", "是", "√"}
FALSE = {"false", "0", "no", "n", "否", ""}
MAX_CELL = 20000
EXCEL_EPOCH = dt.date(1899, 12, 30)
OPEN_ENDED = {"长期", "永久", "长期有效", "-", "—", "无"}
DEFAULT_BEHAVIOR = penalties.PENALTY_BEHAVIOR  # 双公示 penalty files carry no behaviour code


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    msg: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "msg": self.msg}


@dataclass(frozen=True)
class Options:
    default_severity: str | None = None
    default_behavior: str = DEFAULT_BEHAVIOR


def find_header(rows: Iterator[list[str]]) -> tuple[int, dict[int, str], list[str]]:
    """The header is the first row (within 10) naming two known columns.

    Rows above it (titles, merged group headings) are skipped; empty header cells, as a
    merged header cell leaves, are columns nobody reads.
    """
    for number, row in enumerate(rows, start=1):
        mapping: dict[int, str] = {}
        for index, name in enumerate(row):
            key = ALIASES.get(header_key(name))
            if key and key not in mapping.values():
                mapping[index] = key
        if len(mapping) >= 2:
            return number, mapping, row
        if number >= 10:
            break
    raise FileError("前 10 行中没有找到表头（如“主体名称”“决定文书号”或“行政相对人名称”"
                    "“行政处罚决定书文号”），请使用下载的模板")


@lru_cache(maxsize=20_000)
def _validated_code(kind: str, code: str) -> str | codes.CodeError:
    """Codes repeat across the rows of a file; each distinct one is checked once."""
    try:
        return codes.validate_code(kind, code)
    except codes.CodeError as exc:
        # Kept without its traceback, whose frames would keep every caller's rows alive.
        return exc.with_traceback(None)


@lru_cache(maxsize=10_000)
def _date(value: str) -> dt.date:
    text = value.strip().replace("/", "-").replace(".", "-")
    for suffix in (" 00:00:00", "T00:00:00"):
        text = text.removesuffix(suffix)
    if len(text) == 8 and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    elif len(text) == 5 and text.isdigit() and 20000 <= int(text) <= 80000:
        # An Excel date cell that lost its format: days since 1899-12-30 (1954 … 2119).
        return EXCEL_EPOCH + dt.timedelta(days=int(text))
    if "年" in text:
        text = text.replace("年", "-").replace("月", "-").replace("日", "")
    parts = text.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    raise ValueError


def to_submission(values: dict[str, str], row: int, options: Options
                  ) -> tuple[Submission | None, list[RowError]]:
    """Map one row; every problem in the row is reported, not only the first."""
    errors: list[RowError] = []

    def bad(field: str, msg: str) -> None:
        # Messages quote the cell; an ID number typed into the wrong column is masked, for
        # the errors are kept in the job row and the error file.
        errors.append(RowError(row, field, mask_id_numbers(msg)))

    check_cells(values, REQUIRED, bad)
    kind, code = party(values, bad)
    dates: dict[str, dt.date | None] = {}
    for key in ("decided_on", "occurred_on", "rectify_by"):
        text = values.get(key, "").strip()
        dates[key] = None
        if text:
            try:
                dates[key] = _date(text)
            except ValueError:
                bad(key, f"“{text}”不是有效日期（应为 YYYY-MM-DD）")
    penalty = _penalty(values, bad)
    severity_text = values.get("severity", "").strip()
    severity = (SEVERITIES.get(severity_text, "") if severity_text
                else (options.default_severity or ""))
    if severity_text and not severity:
        bad("severity", f"“{severity_text}”不是有效的情节（轻微、一般、严重）")
    elif not severity and not (penalty and penalty.category) and not any(
            e.field == "penalty_category" for e in errors):
        # Without a stated severity the packs derive it from the penalty's categories.
        bad("severity", "必填（可填写处罚类别由规则推定情节；文件中没有情节列和处罚类别列时，"
                        "请在导入时选择默认情节）")
    flags = {}
    for key in ("force_majeure", "epidemic_duty"):
        text = values.get(key, "").strip().lower()
        if text in TRUE:
            flags[key] = True
        elif text in FALSE:
            flags[key] = False
        else:
            bad(key, f"“{text}”应为 是/否（true/false）")
    if errors:
        return None, errors
    decided_on = dates["decided_on"]
    assert decided_on is not None and kind is not None
    return Submission(
        subject_kind=kind, subject_name=values["subject_name"].strip(), subject_code=code,
        behavior=values.get("behavior", "").strip() or options.default_behavior,
        occurred_on=dates["occurred_on"] or decided_on, decided_on=decided_on,
        decision_no=values["decision_no"].strip(), facts=values.get("facts", "").strip(),
        severity=severity, force_majeure=flags["force_majeure"],
        epidemic_duty=flags["epidemic_duty"], rectify_by=dates["rectify_by"],
        external_id=values.get("external_id", "").strip(),
        violation_type=values.get("violation_type", "").strip()[:200], penalty=penalty,
    ), []


def check_cells(values: dict[str, str], required: list[str], bad: Any) -> None:
    """Every row of every kind: no cell too long (it is emptied), the required ones filled."""
    for key, value in values.items():
        if len(value) > MAX_CELL:
            bad(key, f"内容过长（{len(value)} 字符，上限 {MAX_CELL}）")
            values[key] = ""
    for key in required:
        if not values.get(key, "").strip():
            bad(key, "必填")


def party(values: dict[str, str], bad: Any) -> tuple[str | None, str]:
    """The row's subject (行政相对人): its kind and checked code (a person's ID number from
    证件号码 when the code column is empty); problems go to `bad(field, msg)`."""
    problem = name_problem(values.get("subject_name", ""))
    if problem:
        bad("subject_name", problem)
    kind = KINDS.get(values.get("subject_kind", "").strip())
    if values.get("subject_kind", "").strip() and kind is None:
        bad("subject_kind", f"“{values['subject_kind']}”不是有效的主体类别"
                            "（法人及非法人组织、个体工商户、自然人）")
    code = values.get("subject_code", "").strip()
    if kind == codes.PERSON or (not code and values.get("id_number", "").strip()):
        id_type = values.get("id_type", "").strip()
        if id_type and id_type not in ("身份证", "居民身份证", "1"):
            bad("id_type", f"证件类型“{id_type}”暂不支持，自然人请使用居民身份证号码")
        code = code or values.get("id_number", "").strip()
    if not code:
        bad("subject_code", "必填（法人填统一社会信用代码，自然人填身份证号码）")
    elif kind:
        checked = _validated_code(kind, code)
        if isinstance(checked, codes.CodeError):
            bad("subject_code", str(checked))
        else:
            code = checked
    return kind, code


def legal_representative(values: dict[str, str], bad: Any) -> penalties.LegalRepresentative:
    """法定代表人 and the number, checked, to be sealed (never kept in clear)."""
    rep_id = values.get("legal_rep_id", "").strip()
    rep_type = values.get("legal_rep_id_type", "").strip()
    if rep_id and rep_type in ("", "身份证", "居民身份证", "1"):
        checked = _validated_code(codes.PERSON, rep_id)
        if isinstance(checked, codes.CodeError):
            bad("legal_rep_id", str(checked))
            rep_id = ""
        else:
            rep_id = checked
    elif rep_id:
        bad("legal_rep_id_type", f"证件类型“{rep_type}”暂不支持，请使用居民身份证号码")
        rep_id = ""
    return penalties.LegalRepresentative(
        name=values.get("legal_rep", "").strip()[:100], id_type="身份证" if rep_id else "",
        id_number=rep_id)


def unit_code(values: dict[str, str], key: str, bad: Any) -> str:
    """处罚机关, 许可机关 or 数据来源单位 code: a USCC, or empty."""
    try:
        return penalties.check_authority_code(values.get(key, ""), key)
    except DomainError as exc:
        bad(key, exc.msg)
        return ""


def _penalty(values: dict[str, str], bad: Any) -> penalties.Penalty | None:
    """A row's 行政处罚信息, if it has any; problems go to `bad(field, msg)`."""
    if not any(values.get(key, "").strip() for key in PENALTY_KEYS):
        return None
    text = {key: values.get(key, "").strip() for key in PENALTY_KEYS}
    category: list[str] = []
    try:
        category = penalties.parse_categories(text["penalty_category"])
    except ValueError as exc:
        bad("penalty_category", str(exc))
    amounts: dict[str, Any] = {}
    for name in ("fine", "confiscated"):
        amounts[name] = None
        for key, yuan in ((f"{name}_wan", False), (f"{name}_yuan", True)):
            if text[key]:
                try:
                    amounts[name] = penalties.parse_amount(text[key], yuan=yuan)
                except ValueError as exc:
                    bad(key, str(exc))
    dates: dict[str, dt.date | None] = {}
    for key in ("valid_until", "publicity_until"):
        dates[key] = None
        if text[key] and text[key] not in OPEN_ENDED:
            try:
                dates[key] = _date(text[key])
            except ValueError:
                bad(key, f"“{text[key]}”不是有效日期（应为 YYYY-MM-DD，长期有效的可留空）")
    return penalties.Penalty(
        category=tuple(category), content=text["penalty_content"],
        fine_wan=amounts["fine"], confiscated_wan=amounts["confiscated"],
        licence_affected=text["licence_affected"], basis=text["basis"],
        valid_until=dates["valid_until"], publicity_until=dates["publicity_until"],
        authority_name=text["authority_name"][:200],
        authority_code=unit_code(values, "authority_code", bad),
        source_unit_name=text["source_unit_name"][:200],
        source_unit_code=unit_code(values, "source_unit_code", bad), remarks=text["remarks"],
        legal_representative=legal_representative(values, bad),
    )


def file_kind(mapping: dict[int, str]) -> str:
    """Licences (行政许可) or records (行政处罚 and our own columns), by the header."""
    keys = set(mapping.values())
    licence, penalty = keys & LICENCE_ONLY, keys & PENALTY_ONLY
    if licence and penalty:
        raise FileError(
            f"表头同时含有行政许可的列（{'、'.join(sorted(field_label(k) for k in licence))}）和"
            f"行政处罚的列（{'、'.join(sorted(field_label(k) for k in penalty))}）：请分成两个文件上传")
    return LICENCES if licence else RECORDS


REQUIRED_COLUMNS = {RECORDS: ("subject_name", "decision_no", "decided_on"),
                    LICENCES: ("subject_name", "decision_no", "decided_on", "licence_kind",
                               "licence_authority_name")}


class Table:
    """A bulk file whose header has been read: its kind, and its data rows to come."""

    def __init__(self, path: Path) -> None:
        self._rows = rows(path)
        self.header_row, self.mapping, self.header = find_header(self._rows)
        self.kind = file_kind(self.mapping)
        missing = [k for k in REQUIRED_COLUMNS[self.kind] if k not in self.mapping.values()]
        if missing:
            names = "、".join(f"{k}（{COLUMNS[k][-1]}）" for k in missing)
            raise FileError(f"缺少必需的列：{names}")

    def chunks(self, size: int) -> Iterator[list[tuple[int, list[str]]]]:
        """The non-empty data rows, numbered as the file numbers them, `size` at a time."""
        chunk: list[tuple[int, list[str]]] = []
        for number, row in enumerate(self._rows, start=self.header_row + 1):
            if not any(cell.strip() for cell in row):
                continue
            chunk.append((number, row))
            if len(chunk) >= size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk


Reject = tuple[int, list[RowError], list[str]]  # row number, its problems, its cells


def nul_errors(mapping: dict[int, str], number: int, cells: list[str]) -> list[RowError] | None:
    """A row holding NUL characters, as its problems (our readers decode strictly: NUL is
    the one to fear); None for any other row."""
    if "\x00" not in "".join(cells):
        return None
    return [RowError(number, mapping.get(i, f"第 {i + 1} 列"), f"第 {i + 1} 列{problem}")
            for i, cell in enumerate(cells) if (problem := bad_characters(cell))]


def stage_row(pipeline: Any, mapping: dict[int, str], number: int, cells: list[str]
              ) -> tuple[tuple[Any, ...] | None, Reject | None]:
    """One row through a pipeline's `convert` and `stage`: (its staged row or None, its
    reject or None). Every problem of the row is reported, not only the first."""
    errors = nul_errors(mapping, number, cells)
    if errors is not None:
        return None, (number, errors, cells)
    values = {key: (cells[i] if i < len(cells) else "") for i, key in mapping.items()}
    converted, errors = pipeline.convert(values, number)
    staged = None
    if converted is not None:
        out = pipeline.stage(number, converted)
        if isinstance(out, DomainError):
            errors = [RowError(number, out.field, out.msg)]
        else:
            staged = out
    return staged, ((number, errors, cells) if errors else None)


def stage_rows(pipeline: Any, mapping: dict[int, str], chunk: list[tuple[int, list[str]]]
               ) -> tuple[list[tuple[Any, ...]], list[Reject]]:
    """A chunk row by row (`stage_row`)."""
    staged, rejects = [], []
    for number, cells in chunk:
        row, reject = stage_row(pipeline, mapping, number, cells)
        if row is not None:
            staged.append(row)
        if reject is not None:
            rejects.append(reject)
    return staged, rejects


# Where a problem is, for fields that are not columns (the file, the reporting unit ...).
OTHER_FIELDS = {"file": "文件", "unit": "报送单位", "subject": "主体", "code": "主体代码",
                "status": "状态", "subject_id": "主体"}


def field_label(field: str) -> str:
    """A problem's field in words: the column's Chinese name (the code, as some files name
    their columns, is the API's business, not the page's)."""
    key = field.replace(".", "_")
    names = COLUMNS.get(key)
    if names and len(names) > 1:
        return names[1]
    return OTHER_FIELDS.get(key, field)


def column_label(field: str, header: list[str], mapping: dict[int, str]) -> str:
    """The column a problem is in, as the file names it (else our Chinese name)."""
    key = field.replace(".", "_")
    for index, mapped in mapping.items():
        if mapped == key and index < len(header) and header[index].strip():
            return header[index].strip()
    return field_label(field)
