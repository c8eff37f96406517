"""双公示 penalty files as departments' systems export them (行政处罚数据标准, 2021 版).

What was seen (issue 13): a penalty file in the national columns, as GBK CSV and as the
same data saved as XLSX, had every row refused: the numbered party-code column was not
recognised and 情节 was demanded although no 双公示 file has one.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from stdnum.cn import uscc

from xinyong.conftest_helpers import write_csv, write_xlsx
from xinyong.records import imports
from xinyong.records.models import ImportJob, Record


def _uscc(body: str) -> str:
    return body + uscc.calc_check_digit(body)


ORG_A = _uscc("91350105MA2Y00011")
ORG_B = _uscc("91350105MA2Y00012")
ORG_C = _uscc("91350105MA2Y00013")
SHOP = _uscc("92350105MA2Y00014")  # 个体工商户
PERSON = "350105198506123010"
LEGAL_REP_ID = "11010519491231002X"

# Every column of the 2021 standard, in its order, brackets as half-width; the full-width
# variant is tested too.
HEADER = [
    "行政相对人名称", "行政相对人类别", "行政相对人代码_1(统一社会信用代码)",
    "行政相对人代码_2(工商注册号)", "行政相对人代码_3(组织机构代码)", "行政相对人代码_4(税务登记号)",
    "行政相对人代码_5(事业单位证书号)", "行政相对人代码_6(社会组织登记证号)", "法定代表人",
    "法定代表人证件类型", "法定代表人证件号码", "证件类型", "证件号码", "行政处罚决定书文号",
    "违法行为类型", "违法事实", "处罚依据", "处罚类别", "处罚内容", "罚款金额(万元)",
    "没收违法所得、没收非法财物的金额(万元)", "暂扣或吊销证照名称及编号", "处罚决定日期",
    "处罚有效期", "公示截止期", "处罚机关", "处罚机关统一社会信用代码", "数据来源单位",
    "数据来源单位统一社会信用代码", "备注",
]
AUTHORITY = ("福州市马尾区市场监督管理局", _uscc("11350105MB0000000"))


def _row(name: str, kind: str, code: str, number: str, category: str, fine: Any,
         confiscated: Any, decided: Any, *, person_id: str = "", licence: str = "",
         rep: str = "", rep_id: str = "") -> list[Any]:
    return [
        name, kind, code, "", "", "", "", "", rep, "身份证" if rep_id else "", rep_id,
        "身份证" if person_id else "", person_id, number, "违反价格管理规定", "未明码标价",
        "《价格法》第四十二条", category, f"{category}处罚", fine, confiscated, licence, decided,
        "", "", AUTHORITY[0], AUTHORITY[1], "福州市马尾区市场监督管理局", AUTHORITY[1], "",
    ]


def rows(excel: bool = False) -> list[list[Any]]:
    """Five penalties with every date and amount form a unit's system writes."""
    day = (lambda d: d) if excel else (lambda d: d.isoformat())
    nov10 = dt.date(2026, 11, 10)
    return [
        _row("福州马尾甲贸易有限公司", "法人及非法人组织", ORG_A, "榕马市监罚〔2026〕101号", "警告", "",
             "", day(nov10) if excel else "2026/11/10", rep="王五", rep_id=LEGAL_REP_ID),
        _row("福州马尾乙食品有限公司", "法人及非法人组织", ORG_B, "榕马市监罚〔2026〕102号",
             "罚款;没收违法所得", 5 if excel else "5", 1.25 if excel else "1.25",
             day(nov10) if excel else "2026-11-10"),
        _row("福州马尾丙药店有限公司", "法人及非法人组织", ORG_C, "榕马市监罚〔2026〕103号",
             "吊销许可证件", "", "", day(nov10) if excel else "20261110",
             licence="药品经营许可证 闽AA5910001"),
        _row("陈明", "自然人", "", "榕马市监罚〔2026〕104号", "罚款", 0.02 if excel else "0.02", "",
             day(dt.date(2026, 11, 11)) if excel else "2026.11.11", person_id=PERSON),
        _row("马尾丁记小吃店", "个体工商户", SHOP, "榕马市监罚〔2026〕105号", "罚款",
             1200.5 if excel else "1,200.5", "", day(dt.date(2026, 11, 12)) if excel else "2026年11月12日"),
    ]


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def run(unit: Any, path: Path) -> ImportJob:
    job = imports.create_job(unit, path, enqueue=False)
    return imports.run(job.pk, today=dt.date(2026, 12, 1))


def check_imported(job: ImportJob) -> None:
    assert (job.status, job.total, job.accepted, job.rejected) == ("done", 5, 5, 0), job.errors
    severities = dict(Record.objects.values_list("decision_no", "severity"))
    assert severities == {
        "榕马市监罚〔2026〕101号": "minor",  # 警告: simple procedure
        "榕马市监罚〔2026〕102号": "general",
        "榕马市监罚〔2026〕103号": "serious",  # 吊销许可证件
        "榕马市监罚〔2026〕104号": "minor",  # a person fined 200 yuan: simple procedure
        "榕马市监罚〔2026〕105号": "serious",  # 1,200.5 万元: a large fine
    }
    fined = Record.objects.get(decision_no="榕马市监罚〔2026〕102号")
    assert fined.behavior == "administrative_penalty"
    assert fined.penalty["category"] == ["罚款", "没收违法所得"]
    assert (fined.penalty["fine_wan"], fined.penalty["confiscated_wan"]) == ("5", "1.25")
    assert fined.penalty["authority"] == {"name": AUTHORITY[0], "code": AUTHORITY[1]}
    assert fined.penalty["basis"] == "《价格法》第四十二条"
    assert fined.violation_type == "违反价格管理规定"
    derived = [s for s in fined.trace if s["rule"].startswith("penalty_severity:")]
    assert derived and derived[0]["policy"] == "platform-defaults", fined.trace
    revoked = Record.objects.get(decision_no="榕马市监罚〔2026〕103号")
    assert revoked.penalty["licence_affected"] == "药品经营许可证 闽AA5910001"
    shop = Record.objects.get(decision_no="榕马市监罚〔2026〕105号")
    assert shop.penalty["fine_wan"] == "1200.5" and shop.decided_on == dt.date(2026, 11, 12)
    assert Record.objects.get(decision_no="榕马市监罚〔2026〕104号").decided_on == dt.date(2026, 11, 11)
    warned = Record.objects.get(decision_no="榕马市监罚〔2026〕101号")
    # The legal representative's ID number is kept like any ID number: never in clear.
    assert LEGAL_REP_ID not in json.dumps(warned.penalty, ensure_ascii=False)
    assert warned.penalty["legal_representative"]["name"] == "王五"
    assert warned.penalty["legal_representative"]["id_masked"] == "110105********002X"


def test_gbk_csv_in_the_national_columns(loaded: Any, unit: Any, media: Path) -> None:
    check_imported(run(unit, write_csv(media / "处罚.csv", HEADER, rows(), "gbk")))


def test_the_same_data_saved_as_xlsx(loaded: Any, unit: Any, media: Path) -> None:
    check_imported(run(unit, write_xlsx(media / "处罚.xlsx", HEADER, rows(excel=True))))


def test_full_width_brackets_and_utf8(loaded: Any, unit: Any, media: Path) -> None:
    header = [h.replace("(", "（").replace(")", "）") for h in HEADER]
    check_imported(run(unit, write_csv(media / "处罚.csv", header, rows(), "utf-8-sig")))


def test_bad_cells_are_named_by_the_files_own_columns(loaded: Any, unit: Any, media: Path) -> None:
    data = rows()
    data[0][HEADER.index("处罚类别")] = "罚金"
    data[1][HEADER.index("罚款金额(万元)")] = "五万"
    data[2][HEADER.index("法定代表人证件号码")] = "110105194912310021"
    data[3][HEADER.index("处罚类别")] = ""  # no category and no 情节: nothing to derive from
    job = run(unit, write_csv(media / "bad.csv", HEADER, data, "gbk"))
    assert (job.status, job.rejected) == ("failed", 4)
    fields = {e["row"]: e["field"] for e in job.errors}
    assert fields == {2: "penalty_category", 3: "fine_wan", 4: "legal_rep_id", 5: "severity"}
    assert "“罚金”不是行政处罚的种类" in job.errors[0]["msg"]
    errors = imports.error_path(job).read_text(encoding="utf-8-sig")
    assert "处罚类别：“罚金”" in errors and "罚款金额(万元)：" in errors
    assert "110105194912310021" not in json.dumps(job.errors, ensure_ascii=False)
    assert not Record.objects.exists()


def test_amounts_in_yuan_and_dates_as_excel_serials(loaded: Any, unit: Any, media: Path) -> None:
    header = [h.replace("罚款金额(万元)", "罚款金额(元)") for h in HEADER]
    data = [rows()[1]]
    data[0][header.index("罚款金额(元)")] = "50,000"
    data[0][header.index("处罚决定日期")] = "46336"  # 2026-11-10 as a number
    job = run(unit, write_csv(media / "yuan.csv", header, data, "utf-8"))
    assert (job.status, job.accepted) == ("done", 1), job.errors
    record = Record.objects.get()
    assert record.penalty["fine_wan"] == "5" and record.decided_on == dt.date(2026, 11, 10)


def test_a_stated_severity_column_still_wins(loaded: Any, unit: Any, media: Path) -> None:
    header = [*HEADER, "情节"]
    data = [[*rows()[0], "严重"]]
    job = run(unit, write_csv(media / "stated.csv", header, data, "utf-8"))
    assert (job.status, job.accepted) == ("done", 1), job.errors
    record = Record.objects.get()
    assert (record.severity, record.severity_derived) == ("serious", False)
    assert any(s["rule"] == "penalty_severity:warning_only:stated" for s in record.trace)


@pytest.mark.parametrize(("url", "kind"), [("/records/imports/template-penalties.csv", "records"),
                                           ("/records/imports/template-licences.csv", "licences")])
def test_the_national_templates_import_as_they_are(loaded: Any, unit: Any, media: Path, users: Any,
                                                   web: Any, url: str, kind: str) -> None:
    from xinyong.accounts.models import Role

    response = web(users[Role.DEPARTMENT]).get(url)
    assert response.status_code == 200
    path = media / "template.csv"
    path.write_bytes(response.content)
    job = imports.create_job(unit, path, enqueue=False)
    job = imports.run(job.pk)
    assert (job.status, job.kind, job.accepted) == ("done", kind, 1), job.errors
