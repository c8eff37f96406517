"""Licence files in the national columns (行政许可信息数据标准 2021 版) through the bulk import:
recognised from the header, GBK CSV and XLSX, every date form, idempotent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from stdnum.cn import uscc

from xinyong.conftest_helpers import write_csv, write_xlsx
from xinyong.licences.models import Licence, LicenceImportRow
from xinyong.licences.tests.conftest import AUTHORITY_CODE
from xinyong.records import imports
from xinyong.records.models import ImportJob, Record


def _uscc(body: str) -> str:
    return body + uscc.calc_check_digit(body)


HEADER = [
    "行政相对人名称", "行政相对人类别", "行政相对人代码_1(统一社会信用代码)",
    "行政相对人代码_2(工商注册号)", "行政相对人代码_3(组织机构代码)", "行政相对人代码_4(税务登记号)",
    "行政相对人代码_5(事业单位证书号)", "行政相对人代码_6(社会组织登记证号)", "法定代表人",
    "法定代表人证件类型", "法定代表人证件号码", "证件类型", "证件号码", "行政许可决定文书名称",
    "行政许可决定文书号", "许可类别", "许可证书名称", "许可编号", "许可内容", "许可决定日期",
    "有效期自", "有效期至", "许可机关", "许可机关统一社会信用代码", "当前状态", "数据来源单位",
    "数据来源单位统一社会信用代码", "备注",
]
ORG = _uscc("91350105MA2Y00031")
SHOP = _uscc("92350105MA2Y00032")
AUTHORITY = "福州市马尾区市场监督管理局"


def _row(name: str, kind: str, code: str, number: str, licence_kind: str, decided: Any,
         valid_to: Any, state: str = "1", person_id: str = "") -> list[Any]:
    return [name, kind, code, "", "", "", "", "", "王五" if code else "", "身份证" if code else "",
            "11010519491231002X" if code else "", "身份证" if person_id else "", person_id,
            "食品经营许可决定书", number, licence_kind, "食品经营许可证", f"JY{number[-5:-1]}",
            "热食类食品制售", decided, decided, valid_to, AUTHORITY, AUTHORITY_CODE, state, AUTHORITY,
            AUTHORITY_CODE, ""]


def rows(excel: bool = False) -> list[list[Any]]:
    day = dt.date(2026, 11, 10)
    return [
        _row("福州马尾甲餐饮有限公司", "法人及非法人组织", ORG, "榕马市监许〔2026〕601号", "普通",
             day if excel else "2026/11/10", dt.date(2031, 11, 9) if excel else "20311109"),
        _row("马尾丁记小吃店", "个体工商户", SHOP, "榕马市监许〔2026〕602号", "普通许可",
             day if excel else "2026-11-10", "长期"),
        _row("陈明", "自然人", "", "榕马市监许〔2026〕603号", "登记",
             day if excel else "20261110", "", person_id="350105198506123010"),
        _row("福州马尾乙餐饮有限公司", "法人及非法人组织", _uscc("91350105MA2Y00033"),
             "榕马市监许〔2026〕604号", "普通", day if excel else "2026年11月10日", "", state="2"),
    ]


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def run(unit: Any, path: Path) -> ImportJob:
    job = imports.create_job(unit, path, enqueue=False)
    return imports.run(job.pk, today=dt.date(2026, 12, 1))


def check_imported(job: ImportJob) -> None:
    assert (job.status, job.kind, job.accepted, job.rejected) == ("done", "licences", 4, 0), job.errors
    assert not Record.objects.exists()  # licences are never records
    org = Licence.objects.get(decision_no="榕马市监许〔2026〕601号")
    assert (org.kind, org.valid_from, org.valid_to) == ("普通", dt.date(2026, 11, 10), dt.date(2031, 11, 9))
    assert (org.authority_code, org.source, org.import_job_id) == (AUTHORITY_CODE, "import", job.pk)
    assert org.legal_rep["name"] == "王五" and "11010519491231002X" not in str(org.legal_rep)
    shop = Licence.objects.get(decision_no="榕马市监许〔2026〕602号")
    assert shop.valid_to is None and shop.subject.kind == "individual_business"
    person = Licence.objects.get(decision_no="榕马市监许〔2026〕603号")
    assert person.kind == "登记" and person.subject.code_masked == "350105********3010"
    invalid = Licence.objects.get(decision_no="榕马市监许〔2026〕604号")
    assert invalid.status == "withdrawn" and "无效" in invalid.withdrawn_reason
    assert not LicenceImportRow.objects.exists()


def test_gbk_csv(loaded: Any, unit: Any, media: Path) -> None:
    check_imported(run(unit, write_csv(media / "许可.csv", HEADER, rows(), "gbk")))


def test_xlsx_with_date_cells(loaded: Any, unit: Any, media: Path) -> None:
    check_imported(run(unit, write_xlsx(media / "许可.xlsx", HEADER, rows(excel=True))))


def test_the_same_file_twice_adds_nothing(loaded: Any, unit: Any, media: Path) -> None:
    path = write_csv(media / "许可.csv", HEADER, rows(), "utf-8")
    run(unit, path)
    again = run(unit, write_csv(media / "许可2.csv", HEADER, rows(), "utf-8"))
    assert (again.status, again.accepted, again.duplicates) == ("done", 0, 4)
    assert Licence.objects.count() == 4


def test_bad_rows_are_named_and_nothing_lands(loaded: Any, unit: Any, media: Path) -> None:
    data = rows()
    data[0][HEADER.index("许可类别")] = "临时"
    data[1][HEADER.index("有效期至")] = "2020-01-01"
    data[2][HEADER.index("当前状态")] = "9"
    job = run(unit, write_csv(media / "bad.csv", HEADER, data, "utf-8"))
    assert (job.status, job.kind, job.rejected) == ("failed", "licences", 3)
    assert {e["field"] for e in job.errors} == {"licence_kind", "valid_to", "licence_status"}
    errors = imports.error_path(job).read_text(encoding="utf-8-sig")
    assert "许可类别：“临时”不是许可类别" in errors
    assert not Licence.objects.exists() and not LicenceImportRow.objects.exists()


def test_a_header_of_both_standards_is_refused(loaded: Any, unit: Any, media: Path) -> None:
    job = run(unit, write_csv(media / "mixed.csv", [*HEADER, "处罚类别"], [[*rows()[0], "警告"]],
                              "utf-8"))
    assert job.status == "failed" and "请分成两个文件上传" in job.message
    assert "许可类别" in job.message and "处罚类别" in job.message
