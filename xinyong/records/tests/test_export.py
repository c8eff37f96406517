"""Export of the record list (Excel and CSV): the filtered rows, persons masked, no formulas,
every row even beyond a worksheet, an audit of what was really sent, constant memory."""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
from collections.abc import Callable
from datetime import date as D
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import xlsxwriter
from django.db import connection
from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from python_calamine import CalamineWorkbook

from conftest import ORG2_CODE, PERSON_CODE
from xinyong.accounts.models import Role, Unit, User
from xinyong.audit.models import AuditEvent
from xinyong.conftest_helpers import close_response
from xinyong.lib import exports
from xinyong.lib.exports import XLSX
from xinyong.records import views
from xinyong.records.tests.test_views import submit
from xinyong.records.views import EXPORT_HEADERS

FORMULA = "=cmd|' /C calc'!A0"


def body(response: Any) -> bytes:
    """The whole download (the test client closes the response once it is read): the Excel
    file is sent from a temporary file, the CSV streamed."""
    assert response.status_code == 200 and response.streaming
    return b"".join(response.streaming_content)


def sheets(response: Any) -> dict[str, list[list[Any]]]:
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    book = CalamineWorkbook.from_filelike(io.BytesIO(body(response)))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def sheet(response: Any) -> list[list[Any]]:
    found = sheets(response)
    assert len(found) == 1, list(found)
    return next(iter(found.values()))


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
        content = body(web(users[role]).get("/records/export.xlsx"))
        rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
        assert column(rows, "代码") == ["110105********002X"]
        assert PERSON_CODE.encode() not in content
        assert all(PERSON_CODE not in str(cell) for row in rows for cell in row)
        text = body(web(users[role]).get("/records/export.csv")).decode("utf-8-sig")
        assert "110105********002X" in text and PERSON_CODE not in text


def test_export_defuses_formulas(loaded: Any, unit: Unit, users: dict[str, User],
                                 web: Callable[..., Client]) -> None:
    submit(unit, subject_name=FORMULA, facts=FORMULA, subject_code=ORG2_CODE)
    response = web(users[Role.DEPARTMENT]).get("/records/export.xlsx")
    content = body(response)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    for name in ("主体名称", "事实", "报送名称"):
        value = column(rows, name)[0]
        assert isinstance(value, str) and value == "'" + FORMULA, (name, value)
    assert b"<f>" not in _sheet_xml(content)  # no formula element in the sheet at all


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


# --- beyond one worksheet, CSV, the audit, constant memory --------------------------------

def five_records(unit: Unit) -> list[str]:
    """Five records decided on successive days; the decision numbers in the export's order."""
    for n in range(1, 6):
        submit(unit, decision_no=f"榕马市监罚〔2020〕{n}号", decided_on=D(2020, 2, 20 + n))
    return [f"榕马市监罚〔2020〕{n}号" for n in range(5, 0, -1)]


def last_export() -> AuditEvent:
    event = AuditEvent.objects.filter(action="record.export").order_by("pk").last()
    assert event is not None
    return event


def test_export_beyond_a_sheet_continues_on_the_next(loaded: Any, unit: Unit, users: dict[str, User],
                                                     web: Callable[..., Client],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "SHEET_ROWS", 3)  # a header and two records per sheet
    numbers = five_records(unit)
    response = web(users[Role.DEPARTMENT]).get("/records/export.xlsx")
    assert quote("（共3个工作表）.xlsx") in response["Content-Disposition"]
    found = sheets(response)
    assert list(found) == ["信用记录", "信用记录 (2)", "信用记录 (3)"]
    assert all(rows[0] == EXPORT_HEADERS for rows in found.values())
    assert [len(rows) - 1 for rows in found.values()] == [2, 2, 1]
    assert [no for rows in found.values() for no in column(rows, "决定文书号")] == numbers
    event = last_export()
    assert event.summary == "导出信用记录 5 条（Excel，共 3 个工作表）"
    assert event.detail == {"filters": {}, "format": "xlsx", "count": 5, "sheets": 3}


def test_list_page_says_the_excel_file_will_have_more_sheets(loaded: Any, unit: Unit,
                                                             users: dict[str, User],
                                                             web: Callable[..., Client],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    five_records(unit)
    page = web(users[Role.DEPARTMENT]).get("/records/", {"q": "榕马"}).content.decode()
    assert 'href="/records/export.xlsx?q=%E6%A6%95%E9%A9%AC"' in page
    assert 'href="/records/export.csv?q=%E6%A6%95%E9%A9%AC"' in page
    assert 'data-testid="export-note"' not in page
    monkeypatch.setattr(exports, "SHEET_ROWS", 3)
    page = web(users[Role.DEPARTMENT]).get("/records/").content.decode()
    assert "超过 Excel 每个工作表 2 行的上限：导出的 Excel 文件分为 3 个工作表" in page


def test_export_audits_the_rows_written_with_the_filters(loaded: Any, unit: Unit,
                                                         users: dict[str, User],
                                                         web: Callable[..., Client]) -> None:
    five_records(unit)
    submit(unit, behavior="fz_donation", decision_no="榕马表彰〔2020〕1号", severity="general",
           subject_name="福州闽江生鲜超市有限公司", subject_code=ORG2_CODE)
    client = web(users[Role.DEPARTMENT])
    assert len(sheet(client.get("/records/export.xlsx", {"polarity": "good", "page": "2"}))) == 2
    event = last_export()
    assert event.summary == "导出信用记录 1 条（Excel）"
    assert event.detail == {"filters": {"polarity": "good"}, "format": "xlsx", "count": 1, "sheets": 1}
    body(client.get("/records/export.csv", {"polarity": "dishonest"}))
    event = last_export()
    assert event.summary == "导出信用记录 5 条（CSV）"
    assert event.detail == {"filters": {"polarity": "dishonest"}, "format": "csv", "count": 5}


def test_csv_export_is_streamed_whole(loaded: Any, unit: Unit, users: dict[str, User],
                                      web: Callable[..., Client], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "CSV_CHUNK_ROWS", 2)
    numbers = five_records(unit)
    response = web(users[Role.DEPARTMENT]).get("/records/export.csv")
    assert isinstance(response, StreamingHttpResponse) and response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert quote(f"信用记录-{timezone.localdate().isoformat()}.csv") in response["Content-Disposition"]
    assert not AuditEvent.objects.filter(action="record.export").exists()  # nothing sent yet
    chunks = list(response.streaming_content)
    assert len(chunks) == 3  # the header and two rows, two rows, the last row: sent as read
    content = b"".join(chunks)
    assert content.startswith(codecs.BOM_UTF8)  # Excel opens UTF-8 with a BOM correctly
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == EXPORT_HEADERS and column(rows, "决定文书号") == numbers
    assert rows[1][9] == "公示期满" and rows[1][13] == "重点监管对象"
    assert last_export().detail == {"filters": {}, "format": "csv", "count": 5}


def test_csv_export_cut_short_audits_what_was_sent(loaded: Any, unit: Unit, users: dict[str, User],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "CSV_CHUNK_ROWS", 2)
    five_records(unit)
    # The view as the server runs it (the test client would read the stream to the end).
    request = RequestFactory().get("/records/export.csv", {"q": "榕马"})
    request.user = users[Role.DEPARTMENT]
    response = views.record_export(request, fmt="csv")
    stream = iter(response)
    next(stream)  # the header and two rows reach the client
    next(stream)  # two more are handed over, but the client has gone:
    close_response(response)  # the server closes the response early
    event = last_export()
    assert event.summary == "导出信用记录未完成（CSV，下载方已断开）：已发送 2 条"
    assert event.detail == {"filters": {"q": "榕马"}, "format": "csv", "count": 2, "complete": False,
                            "ended_by": "disconnect"}


def test_csv_export_defuses_formulas(loaded: Any, unit: Unit, users: dict[str, User],
                                     web: Callable[..., Client]) -> None:
    submit(unit, subject_name=FORMULA, facts="@SUM(1+1)", decision_no="-2+3", subject_code=ORG2_CODE)
    text = body(web(users[Role.DEPARTMENT]).get("/records/export.csv")).decode("utf-8-sig")
    row = dict(zip(*csv.reader(io.StringIO(text)), strict=True))
    assert row["主体名称"] == "'" + FORMULA and row["报送名称"] == "'" + FORMULA
    assert row["事实"] == "'@SUM(1+1)" and row["决定文书号"] == "'-2+3"


def test_export_is_written_in_constant_memory(loaded: Any, unit: Unit, users: dict[str, User],
                                              web: Callable[..., Client], monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    """The structure that keeps memory flat: a queryset iterator read in chunks of only the
    shown columns, XlsxWriter in constant_memory mode writing to a file on disk, and the
    temporary files gone once the response is closed."""
    numbers = five_records(unit)
    books: list[tuple[Any, dict[str, Any]]] = []
    real_workbook = xlsxwriter.Workbook

    def workbook(target: Any, options: dict[str, Any]) -> Any:
        books.append((target, options))
        return real_workbook(target, options)

    chunks: list[int | None] = []
    real_iterator = QuerySet.iterator

    def iterator(self: QuerySet[Any], chunk_size: int | None = None) -> Any:
        chunks.append(chunk_size)
        return real_iterator(self, chunk_size=chunk_size)

    monkeypatch.setattr(xlsxwriter, "Workbook", workbook)
    monkeypatch.setattr(QuerySet, "iterator", iterator)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with CaptureQueriesContext(connection) as queries:
        response = web(users[Role.DEPARTMENT]).get("/records/export.xlsx")
    assert isinstance(response, FileResponse)
    (target, options), = books
    assert options["constant_memory"] is True and not options.get("in_memory")
    assert isinstance(target.fileno(), int)  # an operating-system file, not bytes in memory
    assert chunks == [views.EXPORT_CHUNK]
    select = next(q["sql"] for q in queries.captured_queries if '"records_record"."decision_no"' in q["sql"])
    assert '"trace"' not in select and '"code_cipher"' not in select  # only the shown columns
    assert column(sheet(response), "决定文书号") == numbers  # sheet() reads it whole, then closes
    assert target.closed and list(tmp_path.iterdir()) == []  # the file went with the response
