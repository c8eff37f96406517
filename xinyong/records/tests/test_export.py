"""Excel export of the record list: the filtered rows, persons masked, no formulas."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django.test import Client
from python_calamine import CalamineWorkbook

from conftest import ORG2_CODE, PERSON_CODE
from xinyong.accounts.models import Role, Unit, User
from xinyong.audit.models import AuditEvent
from xinyong.lib.exports import XLSX
from xinyong.records.tests.test_views import submit

FORMULA = "=cmd|' /C calc'!A0"


def sheet(response: Any) -> list[list[Any]]:
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    return book.get_sheet_by_index(0).to_python()


def column(rows: list[list[Any]], name: str) -> list[Any]:
    index = rows[0].index(name)
    return [row[index] for row in rows[1:]]


def test_export_contains_the_filtered_rows(loaded: Any, unit: Unit, other_unit: Unit,
                                           users: dict[str, User], web: Callable[..., Client]) -> None:
    submit(unit)
    submit(unit, behavior="fz_donation", decision_no="榕马表彰〔2020〕1号", severity="general",
           subject_name="福州闽江生鲜超市有限公司", subject_code=ORG2_CODE)
    submit(other_unit, decision_no="发改罚〔2020〕1号")
    client = web(users[Role.DEPARTMENT])
    rows = sheet(client.get("/records/export.xlsx"))
    assert rows[0][:10] == ["决定文书号", "主体名称", "主体类别", "代码", "行为代码", "行为", "情节",
                            "行为发生日期", "决定日期", "状态"]
    assert sorted(column(rows, "决定文书号")) == ["榕马市监罚〔2020〕12号", "榕马表彰〔2020〕1号"]
    serious = sheet(client.get("/records/export.xlsx", {"polarity": "dishonest"}))
    assert len(serious) == 2
    row = dict(zip(serious[0], serious[1], strict=True))
    assert row["主体名称"] == "福州马尾康宁医疗器械有限公司" and row["情节"] == "严重"
    assert row["状态"] == "公示期满" and row["公示开始"] == "2020-02-20" and row["名单"] == "重点监管对象"
    assert row["报送单位"] == "市场监督管理局" and row["事实"] == "销售假冒口罩"
    everything = sheet(web(users[Role.OFFICE]).get("/records/export.xlsx"))
    assert len(everything) == 4
    only_other = sheet(web(users[Role.OFFICE]).get("/records/export.xlsx", {"unit": other_unit.pk}))
    assert column(only_other, "决定文书号") == ["发改罚〔2020〕1号"]
    event = AuditEvent.objects.filter(action="record.export").order_by("pk").last()
    assert event is not None and "1 条" in event.summary


def test_export_masks_persons(loaded: Any, unit: Unit, users: dict[str, User],
                              web: Callable[..., Client]) -> None:
    submit(unit, subject_kind="person", subject_name="张三", subject_code=PERSON_CODE,
           behavior="fz_concealment_evasion", decision_no="榕马公罚〔2020〕3号")
    for role in (Role.DEPARTMENT, Role.OFFICE):
        response = web(users[role]).get("/records/export.xlsx")
        rows = sheet(response)
        assert column(rows, "代码") == ["110105********002X"]
        assert PERSON_CODE.encode() not in response.content
        assert all(PERSON_CODE not in str(cell) for row in rows for cell in row)


def test_export_defuses_formulas(loaded: Any, unit: Unit, users: dict[str, User],
                                 web: Callable[..., Client]) -> None:
    submit(unit, subject_name=FORMULA, facts=FORMULA, subject_code=ORG2_CODE)
    response = web(users[Role.DEPARTMENT]).get("/records/export.xlsx")
    rows = sheet(response)
    for name in ("主体名称", "事实", "报送名称"):
        value = column(rows, name)[0]
        assert isinstance(value, str) and value == "'" + FORMULA, (name, value)
    assert b"<f>" not in _sheet_xml(response.content)  # no formula element in the sheet at all


def _sheet_xml(content: bytes) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


def test_export_needs_staff(loaded: Any, users: dict[str, User], web: Callable[..., Client]) -> None:
    assert web().get("/records/export.xlsx").status_code == 302
    assert web(users[Role.SUBJECT]).get("/records/export.xlsx").status_code == 403


def test_invalid_filters_export_nothing(loaded: Any, unit: Unit, users: dict[str, User],
                                        web: Callable[..., Client]) -> None:
    submit(unit)
    response = web(users[Role.DEPARTMENT]).get("/records/export.xlsx", {"decided_from": "nonsense"})
    assert response.status_code == 302 and response["Location"].startswith("/records/?")
