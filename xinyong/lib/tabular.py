"""Reading uploaded tables (CSV, XLSX) without trusting them: bounded, and never in-process.

An XLSX is a zip of XML; a 1.6 KB file whose one cell sits at XFD1048576 makes a reader
allocate the whole 16,384 × 1,048,576 grid. So every upload is read by a child process
(`python -m xinyong.lib.tabular`) that runs under a memory and CPU limit, and that first
checks what an XLSX declares and holds (the uncompressed size of its parts, the farthest
cell its sheet names) against the row, column and cell limits. Rows come back to the
caller through a pipe as they are read, so a large file streams with flat memory, and a
file that breaks the limits, or the reader, is refused with a message naming the limit.

This module runs in the child without Django: it imports nothing of the project at the
top, and `Limits.from_settings` is only called by the parent.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import marshal
import re
import signal
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

SUFFIXES = (".csv", ".xlsx")
BATCH = 500  # rows per message from the child
UNIT, RECORD = "\x1f", "\x1e"  # ASCII unit and record separators
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384


class FileError(ValueError):
    """The file as a whole cannot be read (type, encoding, structure, size, limits)."""


@dataclass(frozen=True)
class Limits:
    """What an upload may hold and what reading it may cost (XINYONG_UPLOAD_* settings)."""

    max_rows: int = 20_000_000  # a CSV's; an XLSX stops at Excel's 1,048,576 anyway
    max_columns: int = 200
    max_cells: int = 30_000_000  # rows × columns of the grid an XLSX reader allocates
    max_xml_mb: int = 2048  # uncompressed size of one XLSX part
    memory_mb: int = 3072  # address space of the reading process
    cpu_seconds: int = 600

    @classmethod
    def from_settings(cls) -> Limits:
        from django.conf import settings

        return cls(**getattr(settings, "UPLOAD_LIMITS", {}))


# --- the parent side ---------------------------------------------------------------------

def rows(path: Path, limits: Limits | None = None) -> Iterator[list[str]]:
    """The rows of a CSV or of an XLSX's first sheet, each a list of strings, read by a
    child process under `limits`. Stops the child when the caller stops early."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise FileError("文件应为 .csv 或 .xlsx")
    limits = limits or Limits.from_settings()
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen(  # noqa: S603 (our own module, no shell)
            [sys.executable, "-m", "xinyong.lib.tabular", str(path), json.dumps(asdict(limits))],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors,
        )
        assert child.stdout is not None
        ended = False
        try:
            while True:
                head = child.stdout.read(4)
                if len(head) < 4:
                    break
                size = int.from_bytes(head, "big")
                # Our own child wrote it (marshal of strings only), never the uploader.
                kind, value = marshal.loads(_read_exactly(child.stdout, size))  # noqa: S302
                if kind == "text":
                    yield from (row.split(UNIT) for row in value.split(RECORD))
                elif kind == "rows":
                    yield from value
                elif kind == "error":
                    raise FileError(value)
                else:
                    ended = True
            code = child.wait()
            if not ended:
                errors.seek(0)
                raise FileError(_crash_message(code, limits, errors.read()[-2000:]))
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()


def _read_exactly(stream: Any, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise FileError("读取文件的进程意外中止")
    return bytes(data)


def _crash_message(code: int, limits: Limits, stderr: bytes) -> str:
    """Why the child died, in words for the person who uploaded the file."""
    text = stderr.decode("utf-8", "replace")
    if code in (-signal.SIGXCPU, -signal.SIGKILL) and "MemoryError" not in text:
        return (f"读取文件超过时间上限（{limits.cpu_seconds} 秒），文件可能过大或已损坏；"
                "请拆分后上传，或另存为 CSV")
    return (f"读取文件所需内存超过上限（{limits.memory_mb} MB），文件可能过大或已损坏；"
            "请拆分后上传，或另存为 CSV")


def estimate_rows(path: Path) -> int | None:
    """About how many data rows the file has, for the progress bar (not for any decision):
    CSV line breaks counted in binary, an XLSX's farthest row as its sheet names it."""
    try:
        if path.suffix.lower() == ".csv":
            lines, last = 0, b"\n"
            with path.open("rb") as f:
                while chunk := f.read(1 << 20):
                    lines += chunk.count(b"\n")
                    last = chunk[-1:]
            return max(lines + (last != b"\n") - 1, 0)
        with zipfile.ZipFile(path) as book:
            declared = _declared_dimension(book, _first_sheet(book))
        return max(declared[0] - 1, 0) if declared else None
    except (OSError, zipfile.BadZipFile, KeyError, FileError):
        return None  # the real read says what is wrong with the file


# --- the child side ----------------------------------------------------------------------

def _send_rows(out: Any, batch: list[list[str]]) -> None:
    """A batch as one string with separators, which the parent splits at C speed (5x faster
    than unmarshalling a list of lists); a batch whose cells hold the separators goes as is."""
    if not batch:
        return
    text = RECORD.join(UNIT.join(row) for row in batch)
    if (text.count(UNIT) == sum(len(row) - 1 for row in batch if row) and
            text.count(RECORD) == len(batch) - 1 and all(batch)):
        _send(out, "text", text)
    else:
        _send(out, "rows", batch)


def _send(out: Any, kind: str, value: Any) -> None:
    data = marshal.dumps((kind, value))
    out.write(len(data).to_bytes(4, "big"))
    out.write(data)


def _limit_resources(limits: Limits) -> None:
    import resource

    memory = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))


def _child(path: Path, limits: Limits) -> None:
    out = sys.stdout.buffer
    try:
        _limit_resources(limits)
        reader = _csv_rows(path) if path.suffix.lower() == ".csv" else _xlsx_rows(path, limits)
        batch: list[list[str]] = []
        count = 0
        for row in reader:
            count += 1
            if count > limits.max_rows:
                raise FileError(f"文件超过 {limits.max_rows} 行的上限，请拆分后上传")
            if len(row) > limits.max_columns:
                raise FileError(f"第 {count} 行有 {len(row)} 列，超过 {limits.max_columns} 列的上限")
            batch.append(row)
            if len(batch) >= BATCH:
                _send_rows(out, batch)
                batch = []
        _send_rows(out, batch)
        _send(out, "end", count)
    except BrokenPipeError:
        return  # the caller stopped reading: nothing more is wanted
    except FileError as exc:
        _send(out, "error", str(exc))
    except MemoryError:
        _send(out, "error", f"读取文件所需内存超过上限（{limits.memory_mb} MB），文件可能过大"
                            "或已损坏；请拆分后上传，或另存为 CSV")
    except BaseException as exc:  # a reader's panic (pyo3 raises BaseException) or a bug
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        _send(out, "error", f"无法读取文件（{type(exc).__name__}），文件可能已损坏；"
                            "请用办公软件另存后重新上传，或另存为 CSV")
    out.flush()


# What a file really is, by its first bytes, for files saved or renamed with the wrong
# extension: the message names it instead of failing later on a header it cannot find.
MAGIC = [(b"PK\x03\x04", "Excel（.xlsx）或 ZIP 压缩文件"),
         (b"\xd0\xcf\x11\xe0", "旧版 Excel（.xls）或 Word 文件"), (b"%PDF", "PDF 文件"),
         (b"\x89PNG", "PNG 图片"), (b"\xff\xd8\xff", "JPEG 图片"),
         (b"GIF8", "GIF 图片"), (b"Rar!", "RAR 压缩文件"), (b"7z\xbc\xaf", "7z 压缩文件"),
         (b"\x1f\x8b", "GZIP 压缩文件"), (b"{\\rtf", "RTF 文档")]


def sniff_binary(sample: bytes) -> str | None:
    """What a file that is not text is (a name for people), or None for text."""
    for magic, name in MAGIC:
        if sample.startswith(magic):
            return name
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None  # UTF-16 text has zero bytes
    # A stray NUL in a cell is a row's problem; a file full of control bytes is not text.
    head = sample[:8192]
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    return "二进制文件" if head and control > len(head) / 20 else None


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM) or GBK, as departments' files come."""
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start > len(sample) - 4:
            return "utf-8"  # the sample cut a multi-byte character in half
    from charset_normalizer import from_bytes

    best = from_bytes(sample, cp_isolation=["gb18030", "gbk", "big5", "utf_16"]).best()
    if best is None:
        raise FileError("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV")
    return "gb18030" if best.encoding in ("gbk", "gb2312", "gb18030") else best.encoding


def _csv_rows(path: Path) -> Iterator[list[str]]:
    with path.open("rb") as raw:
        sample = raw.read(256 * 1024)
    if (what := sniff_binary(sample)) is not None:
        hint = "；如是 Excel 文件，请把扩展名改为 .xlsx" if what.startswith("Excel") else ""
        raise FileError(f"文件不是 CSV 文本，看起来是{what}：请上传 CSV 或 XLSX 文件{hint}")
    encoding = detect_encoding(sample)
    csv.field_size_limit(10 * 1024 * 1024)
    with path.open("r", encoding=encoding, newline="", errors="strict") as f:
        try:
            yield from csv.reader(f)
        except UnicodeDecodeError:
            raise FileError(f"文件中有不是 {encoding} 编码的内容，请统一另存为 UTF-8") from None
        except csv.Error as exc:
            raise FileError(f"CSV 格式错误：{exc}") from None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?\br:id=\"([^\"]+)\"")
RELATION = re.compile(rb"<Relationship\b[^>]*>")
DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*\bref=\"([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?\"")


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + (ch - 64)
    return number


def _first_sheet(book: zipfile.ZipFile) -> str:
    """The part of the workbook's first sheet, as readers take it (workbook order)."""
    try:
        workbook = book.read("xl/workbook.xml")[:10 * 1024 * 1024]
        found = SHEET.search(workbook)
        rels = book.read("xl/_rels/workbook.xml.rels")[:10 * 1024 * 1024]
    except KeyError:
        raise FileError("不是有效的 Excel（.xlsx）文件：缺少工作簿结构") from None
    if found:
        for rel in RELATION.findall(rels):
            if f'Id="{found.group(1).decode()}"'.encode() in rel:
                target = re.search(rb'Target="([^"]+)"', rel)
                if target:
                    name = target.group(1).decode().lstrip("/")
                    return name if name.startswith("xl/") else f"xl/{name}"
    return "xl/worksheets/sheet1.xml"


def _declared_dimension(book: zipfile.ZipFile, part: str) -> tuple[int, int] | None:
    with book.open(part) as sheet:
        head = sheet.read(64 * 1024)
    found = DIMENSION.search(head)
    if not found or not found.group(4):
        return None
    return int(found.group(4)), _column_number(found.group(3))


def check_xlsx(path: Path, limits: Limits) -> None:
    """Refuse an XLSX whose parts or declared grid exceed the limits, before any reader
    allocates it. A sheet whose <dimension> lies is caught after loading (the grid the
    reader really built is checked) or, if its grid cannot even be allocated, by the
    memory limit of the reading process."""
    try:
        book = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        with path.open("rb") as raw:
            what = sniff_binary(raw.read(8192))
        if what and not what.startswith("Excel"):
            seen = "；看起来是" + what if not what.startswith("旧版") else "，是旧版 .xls"
            raise FileError(f"不是有效的 Excel（.xlsx）文件{seen}：请另存为 .xlsx 或 CSV 后上传") from None
        raise FileError("不是有效的 Excel（.xlsx）文件；旧版 .xls 请另存为 .xlsx 或 CSV") from None
    with book:
        limit = limits.max_xml_mb * 1024 * 1024
        for info in book.infolist():
            if info.file_size > limit:
                raise FileError(f"文件中的“{info.filename}”解压后有 {info.file_size // 1024 // 1024} MB，"
                                f"超过 {limits.max_xml_mb} MB 的上限，请拆分后上传或另存为 CSV")
        part = _first_sheet(book)
        if part not in book.namelist():
            raise FileError("不是有效的 Excel（.xlsx）文件：找不到第一个工作表")
        declared = _declared_dimension(book, part)
    if declared:
        _check_grid(*declared, limits, "工作表声明的范围")


def _check_grid(rows: int, columns: int, limits: Limits, what: str) -> None:
    if columns > limits.max_columns:
        raise FileError(f"{what}延伸到第 {columns} 列，超过 {limits.max_columns} 列的上限；"
                        "请删除多余的列后上传")
    if rows > limits.max_rows + 1:
        raise FileError(f"{what}延伸到第 {rows} 行，超过 {limits.max_rows} 行的上限；请拆分后上传")
    if rows * columns > limits.max_cells:
        raise FileError(f"{what}共 {rows} 行 × {columns} 列，超过 {limits.max_cells} 个单元格"
                        "的上限；请删除多余的行列或拆分后上传")


def _xlsx_rows(path: Path, limits: Limits) -> Iterator[list[str]]:
    check_xlsx(path, limits)
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        sheet = book.get_sheet_by_index(0)
    except MemoryError:
        raise
    except Exception as exc:
        raise FileError(f"无法读取 Excel 文件：{exc}") from None
    _check_grid(sheet.height, sheet.width, limits, "工作表中的单元格")
    for row in sheet.iter_rows():
        yield [_cell(v) for v in row]


if __name__ == "__main__":
    _child(Path(sys.argv[1]), Limits(**json.loads(sys.argv[2])))
