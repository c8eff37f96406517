"""The one export mechanism: Excel in constant memory over as many worksheets as it takes,
CSV streamed, formulas defused, and `on_done` told what was really produced."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from xinyong.conftest_helpers import close_response
from xinyong.lib import exports
from xinyong.lib.exports import Written, csv_response, sheet_name, sheets_needed, write_xlsx, xlsx_response

HEADERS = ["编号", "名称"]


def numbered(n: int) -> Iterator[list[Any]]:
    return ([i, f"第{i}行"] for i in range(1, n + 1))


def read(content: bytes) -> dict[str, list[list[Any]]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def test_rows_beyond_a_sheet_continue_on_new_sheets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "SHEET_ROWS", 3)  # a header and two rows per sheet
    out = io.BytesIO()
    assert write_xlsx(out, HEADERS, numbered(7), "信用记录") == Written(rows=7, sheets=4)
    found = read(out.getvalue())
    assert list(found) == ["信用记录", "信用记录 (2)", "信用记录 (3)", "信用记录 (4)"]
    assert all(rows[0] == HEADERS for rows in found.values())
    assert [row[0] for rows in found.values() for row in rows[1:]] == [1, 2, 3, 4, 5, 6, 7]


@pytest.mark.parametrize(("rows", "lengths"), [
    (0, [1]), (1, [2]), (2, [3]), (3, [3, 2]), (4, [3, 3]), (5, [3, 3, 2]),
])
def test_a_full_sheet_opens_no_empty_one(rows: int, lengths: list[int],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "SHEET_ROWS", 3)
    out = io.BytesIO()
    assert write_xlsx(out, HEADERS, numbered(rows), "x") == Written(rows=rows, sheets=len(lengths))
    assert sheets_needed(rows) == len(lengths)  # what the list page announces
    assert [len(r) for r in read(out.getvalue()).values()] == lengths  # header included


def test_excel_limit_and_sheet_names() -> None:
    assert exports.SHEET_ROWS == 1_048_576
    assert sheets_needed(1_048_575) == 1 and sheets_needed(1_048_576) == 2
    assert sheets_needed(1_100_000) == 2
    assert sheet_name("信用记录", 1) == "信用记录" and sheet_name("信用记录", 2) == "信用记录 (2)"
    assert len(sheet_name("x" * 40, 12)) == 31 and sheet_name("x" * 40, 12).endswith(" (12)")


def test_cells_keep_their_kind_and_never_become_formulas() -> None:
    out = io.BytesIO()
    write_xlsx(out, ["a", "b", "c", "d", "e", "f"],
               [["=1+1", "+1", 42, None, dt.date(2026, 3, 1), "-"], ["@A1", "", 1.5, True, "\tx", "正常"]])
    rows = next(iter(read(out.getvalue()).values()))
    assert rows[1] == ["'=1+1", "'+1", 42, "", "2026-03-01", "'-"]
    assert rows[2] == ["'@A1", "", 1.5, "True", "'\tx", "正常"]
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


def test_the_workbook_is_written_in_constant_memory_to_a_file(monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path) -> None:
    made: list[tuple[Any, dict[str, Any]]] = []
    real = exports.xlsxwriter.Workbook

    def workbook(target: Any, options: dict[str, Any]) -> Any:
        made.append((target, options))
        return real(target, options)

    monkeypatch.setattr(exports.xlsxwriter, "Workbook", workbook)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    done: list[Written] = []
    response = xlsx_response(HEADERS, numbered(3), sheet="x", filename="导出.xlsx", on_done=done.append)
    (target, options), = made
    assert options["constant_memory"] is True and not options.get("in_memory")
    assert isinstance(target.fileno(), int) and not isinstance(target, io.BytesIO)
    assert done == [Written(rows=3, sheets=1)]  # audited once the rows are written
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%E5%AF%BC%E5%87%BA.xlsx"
    assert int(response["Content-Length"]) == len(content := b"".join(response.streaming_content))
    assert [r[0] for r in read(content)["x"][1:]] == [1, 2, 3]
    close_response(response)
    assert target.closed and list(tmp_path.iterdir()) == []  # nothing left on disk


def test_a_failed_excel_export_leaves_no_files_and_is_not_reported(monkeypatch: pytest.MonkeyPatch,
                                                                    tmp_path: Path) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def failing() -> Iterator[list[Any]]:
        yield [1, "a"]
        raise RuntimeError("database gone")

    done: list[Written] = []
    with pytest.raises(RuntimeError):
        xlsx_response(HEADERS, failing(), sheet="x", filename="x.xlsx", on_done=done.append)
    assert done == [] and list(tmp_path.iterdir()) == []


def test_more_sheets_are_named_in_the_file_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "SHEET_ROWS", 3)
    response = xlsx_response(HEADERS, numbered(5), sheet="x", filename="信用记录-2026-03-01.xlsx",
                             on_done=lambda written: None)
    close_response(response)
    assert response["Content-Disposition"].endswith(
        "%E4%BF%A1%E7%94%A8%E8%AE%B0%E5%BD%95-2026-03-01%EF%BC%88%E5%85%B13%E4%B8%AA"
        "%E5%B7%A5%E4%BD%9C%E8%A1%A8%EF%BC%89.xlsx")  # 信用记录-2026-03-01（共3个工作表）.xlsx


def test_csv_is_streamed_with_bom_and_defused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "CSV_CHUNK_ROWS", 2)
    done: list[Written] = []
    rows = iter([["=1+1", None], [2, "-x"], [3, "普通,文本"]])
    response = csv_response(HEADERS, rows, filename="信用记录.csv", on_done=done.append)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E4%BF%A1%E7%94%A8%E8%AE%B0%E5%BD%95.csv")
    stream = iter(response)
    chunks = [next(stream)]
    assert done == []  # reported when the stream ends, not before
    chunks += list(stream)
    assert len(chunks) == 2 and done == [Written(rows=3)]  # produced piece by piece
    close_response(response)
    content = b"".join(chunks)
    assert content.startswith("\ufeff".encode())
    assert list(csv.reader(io.StringIO(content.decode("utf-8-sig")))) == [
        HEADERS, ["'=1+1", ""], ["2", "'-x"], ["3", "普通,文本"]]
    assert done == [Written(rows=3)]  # once
    assert done[0].detail() == {"count": 3}


def test_csv_closed_early_reports_the_rows_handed_over(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "CSV_CHUNK_ROWS", 2)
    done: list[Written] = []
    response = csv_response(HEADERS, numbered(9), filename="x.csv", on_done=done.append)
    stream = iter(response)
    next(stream), next(stream), next(stream)  # the third piece never reaches the client
    close_response(response)  # what the server does when the client has gone
    assert done == [Written(rows=4, complete=False, ended_by="disconnect")]
    assert done[0].detail() == {"count": 4, "complete": False, "ended_by": "disconnect"}


def test_csv_failing_midway_reports_the_rows_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "CSV_CHUNK_ROWS", 2)

    def failing() -> Iterator[list[Any]]:
        yield from numbered(3)
        raise RuntimeError("database gone")

    done: list[Written] = []
    stream = iter(csv_response(HEADERS, failing(), filename="x.csv", on_done=done.append))
    next(stream)
    with pytest.raises(RuntimeError):
        next(stream)
    assert done == [Written(rows=2, complete=False, ended_by="error")]
