"""Spreadsheet exports: in constant memory, never cut short silently, and never turning data
into formulas (CSV/formula injection).

Every data export goes through `xlsx_response` or `csv_response`, which take the rows as an
iterable (a queryset iterator: nothing is selected into memory as a whole) and call
`on_done(Written)` with what was really produced, so the caller audits that.

- Excel: XlsxWriter in constant_memory mode (each row goes to disk as it is written) into
  an anonymous temporary file, sent with a FileResponse (the file disappears when the
  response is closed). A worksheet holds `SHEET_ROWS` rows with its header; more rows
  continue on "name (2)", "name (3)", … and the file name says how many sheets there are.
- CSV (UTF-8 with BOM, so Excel opens it): streamed while it is produced; no row limit.
  `on_done` runs when the stream ends, and says whether it ended early (the client went
  away, or an error) with the rows actually handed to the server.
"""

from __future__ import annotations

import csv
import io
import logging
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any
from urllib.parse import quote

import xlsxwriter
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

log = logging.getLogger(__name__)

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_CHARS = frozenset(FORMULA_START)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
SHEET_ROWS = 1_048_576  # Excel's rows per worksheet, the header row included
SHEET_NAME_MAX = 31  # Excel's limit for a worksheet name
CSV_CHUNK_ROWS = 2000  # rows per piece of a streamed CSV
# strings_to_*: off, so nothing written ever becomes a formula, a number or a link.
XLSX_OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                "strings_to_urls": False}


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would read as a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


@dataclass
class Written:
    """What an export really produced: data rows (headers not counted) and worksheets."""

    rows: int = 0
    sheets: int = 0
    complete: bool = True
    ended_by: str = ""  # when not complete: "disconnect" (the client went away) or "error"

    def detail(self) -> dict[str, Any]:
        """The audit detail fields."""
        data: dict[str, Any] = {"count": self.rows}
        if self.sheets:
            data["sheets"] = self.sheets
        if not self.complete:
            data["complete"] = False
            data["ended_by"] = self.ended_by
        return data


def sheet_name(base: str, number: int) -> str:
    """The n-th worksheet of an export: "信用记录", "信用记录 (2)", … within Excel's 31 characters."""
    suffix = "" if number == 1 else f" ({number})"
    return base[:SHEET_NAME_MAX - len(suffix)] + suffix


def sheets_needed(rows: int) -> int:
    """Worksheets an Excel export of `rows` data rows takes (each sheet repeats the header)."""
    per_sheet = SHEET_ROWS - 1
    return max(1, -(-rows // per_sheet))


def write_xlsx(target: IO[bytes], headers: list[str], rows: Iterable[Iterable[Any]],
               sheet: str = "Sheet1") -> Written:
    """Write the rows into `target` (a binary file) in constant memory.

    XlsxWriter keeps one row in memory and puts the rest into its own temporary files, in a
    directory of their own that is removed afterwards, even when writing fails.
    """
    return write_sheets(target, [(sheet, headers, rows)])


def write_sheets(target: IO[bytes], tables: Sequence[tuple[str, list[str], Iterable[Iterable[Any]]]],
                 properties: dict[str, Any] | None = None) -> Written:
    """Several tables (name, headers, rows) in one workbook, each continued on further
    sheets past Excel's row limit; `properties` (title, created …) fixed by the caller make
    the same rows give the same bytes."""
    limit = SHEET_ROWS
    written = Written()
    with tempfile.TemporaryDirectory(prefix="xinyong-xlsx-") as tmpdir:
        book = xlsxwriter.Workbook(target, {**XLSX_OPTIONS, "tmpdir": tmpdir})
        if properties:
            book.set_properties(properties)
        bold = book.add_format({"bold": True})
        for sheet, headers, rows in tables:
            last_col = max(len(headers) - 1, 0)
            number = 0

            def new_sheet() -> Any:
                nonlocal number
                number += 1
                written.sheets += 1
                ws = book.add_worksheet(sheet_name(sheet, number))  # noqa: B023 (called in this loop)
                ws.set_column(0, last_col, 18)  # noqa: B023
                for col, name in enumerate(headers):  # noqa: B023
                    ws.write_string(0, col, name, bold)
                return ws

            ws = new_sheet()
            write_string, write_number = ws.write_string, ws.write_number
            r = 0
            for row in rows:
                r += 1
                if r == limit:
                    ws = new_sheet()
                    write_string, write_number = ws.write_string, ws.write_number
                    r = 1
                for col, value in enumerate(row):
                    if value is None or value == "":
                        continue  # an empty cell: nothing to write
                    if isinstance(value, str):
                        if value.startswith(FORMULA_START):
                            value = "'" + value
                        write_string(r, col, value)
                    elif isinstance(value, (int, float)) and not isinstance(value, bool):
                        write_number(r, col, value)
                    else:
                        write_string(r, col, str(safe_cell(str(value))))
                written.rows += 1
        book.close()
    return written


def xlsx_response(headers: list[str], rows: Iterable[Iterable[Any]], *, sheet: str, filename: str,
                  on_done: Callable[[Written], None]) -> FileResponse:
    """An Excel download written to a temporary file first, then sent from disk.

    `on_done` (the audit) runs once every row is written, before anything is sent. A file
    of more than one worksheet says so in its name: "信用记录-2026-03-01（共2个工作表）.xlsx".
    """
    handle = tempfile.TemporaryFile(prefix="xinyong-export-")  # the response closes (and so deletes) it
    try:
        written = write_xlsx(handle, headers, rows, sheet)
        on_done(written)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    if written.sheets > 1:
        name = PurePath(filename)
        filename = f"{name.stem}（共{written.sheets}个工作表）{name.suffix}"
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)


def csv_response(headers: list[str], rows: Iterable[Iterable[Any]], *, filename: str,
                 on_done: Callable[[Written], None]) -> StreamingHttpResponse:
    """A CSV download streamed while the rows are read; `on_done` runs when the stream ends."""
    response = StreamingHttpResponse(_csv_stream(headers, rows, on_done), content_type=CSV)
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    return response


def _csv_stream(headers: list[str], rows: Iterable[Iterable[Any]],
                on_done: Callable[[Written], None]) -> Iterator[bytes]:
    chunk_rows = CSV_CHUNK_ROWS
    written = Written(complete=False)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # BOM: Excel opens UTF-8 correctly
    writer.writerow(headers)
    pending = 0
    try:
        for row in rows:
            # The common case (text that is empty or starts harmlessly) costs one test per cell.
            writer.writerow([v if v.__class__ is str and (not v or v[0] not in _FORMULA_CHARS)
                             else _csv_cell(v) for v in row])
            pending += 1
            if pending == chunk_rows:
                piece = buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
                yield piece
                # Counted once the server took the piece: if the client has gone, the server
                # closes this generator at the yield above and these rows are not counted.
                written.rows += pending
                pending = 0
        yield buffer.getvalue().encode("utf-8")
        written.rows += pending
        written.complete = True
    except GeneratorExit:
        written.ended_by = "disconnect"
        raise
    except Exception:
        written.ended_by = "error"
        raise
    finally:
        try:
            on_done(written)
        except Exception:
            # Raised while the server closes the response, this would be swallowed unseen.
            log.exception("export: recording the end of a CSV stream failed")
            raise


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    return str(safe_cell(value if isinstance(value, str) else str(value)))


def download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    """A small file already in memory (an import template, an error list)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
