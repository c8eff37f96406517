"""Uploaded tables are read by a child process under limits (issue 9, finding 1).

The files that aborted a worker on a 512 GB allocation, and killed a web worker, are built
here: a header and one cell at XFD1048576, with its dimension declared (refused before any
reader runs) and with a lying dimension (the reading child hits its memory limit; the
caller gets a message and lives on)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import xlsxwriter

from xinyong.conftest_helpers import far_cell_xlsx
from xinyong.lib import tabular
from xinyong.lib.tabular import FileError, Limits


def test_a_far_cell_is_refused_before_reading(tmp_path: Path) -> None:
    path = far_cell_xlsx(tmp_path / "far.xlsx")
    assert path.stat().st_size < 8 * 1024
    with pytest.raises(FileError, match="16384 列，超过 200 列的上限"):
        list(tabular.rows(path))


def test_a_lying_dimension_meets_the_memory_limit(tmp_path: Path) -> None:
    path = far_cell_xlsx(tmp_path / "liar.xlsx", lying=True)
    with pytest.raises(FileError, match=r"内存超过上限（512 MB）"):
        list(tabular.rows(path, Limits(memory_mb=512)))
    assert list(tabular.rows(good_xlsx(tmp_path / "after.xlsx")))  # this process reads on


def good_xlsx(path: Path, rows: int = 3, columns: int = 2) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for r in range(rows):
        sheet.write_row(r, 0, [f"r{r}c{c}" for c in range(columns)])
    book.close()
    return path


def test_rows_and_columns_are_capped(tmp_path: Path) -> None:
    path = good_xlsx(tmp_path / "wide.xlsx", rows=5, columns=6)
    with pytest.raises(FileError, match="第 6 列，超过 5 列的上限"):
        list(tabular.rows(path, Limits(max_columns=5)))
    with pytest.raises(FileError, match="5 行 × 6 列，超过 29 个单元格的上限"):
        list(tabular.rows(path, Limits(max_cells=29)))
    csv = tmp_path / "long.csv"
    csv.write_text("a,b\n" * 10)
    with pytest.raises(FileError, match="超过 9 行的上限"):
        list(tabular.rows(csv, Limits(max_rows=9)))
    csv.write_text("a,b,c,d,e,f\n")
    with pytest.raises(FileError, match="第 1 行有 6 列，超过 5 列的上限"):
        list(tabular.rows(csv, Limits(max_columns=5)))


def test_declared_part_size_is_checked(tmp_path: Path) -> None:
    path = good_xlsx(tmp_path / "ok.xlsx")
    with pytest.raises(FileError, match="超过 0 MB 的上限"):
        list(tabular.rows(path, Limits(max_xml_mb=0)))


def test_rows_come_back_as_written(tmp_path: Path) -> None:
    csv = tmp_path / "t.csv"
    text = 'a,b\n"多行\n文字",2\n\n"含\x1f分隔符",x\n'
    csv.write_text(text, encoding="gbk")
    assert list(tabular.rows(csv)) == [["a", "b"], ["多行\n文字", "2"], [], ["含\x1f分隔符", "x"]]
    assert list(tabular.rows(good_xlsx(tmp_path / "g.xlsx"))) == [
        ["r0c0", "r0c1"], ["r1c0", "r1c1"], ["r2c0", "r2c1"]]


def test_stopping_early_stops_the_child(tmp_path: Path) -> None:
    csv = tmp_path / "big.csv"
    csv.write_text("a,b\n" * 200_000)
    reader = tabular.rows(csv)
    assert next(reader) == ["a", "b"]
    reader.close()  # the generator's finally kills the child; nothing left running
    children = [p for p in os.listdir("/proc") if p.isdigit()
                and _parent(p) == os.getpid() and "xinyong.lib.tabular" in _cmdline(p)]
    assert children == []


def _parent(pid: str) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def _cmdline(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text()
    except OSError:
        return ""


def test_not_a_workbook_and_wrong_types(tmp_path: Path) -> None:
    fake = tmp_path / "x.xlsx"
    fake.write_bytes(b"not a workbook")
    with pytest.raises(FileError, match="不是有效的 Excel"):
        list(tabular.rows(fake))
    with pytest.raises(FileError, match=r"\.csv 或 \.xlsx"):
        list(tabular.rows(tmp_path / "x.txt"))
    broken = tmp_path / "b.csv"
    broken.write_bytes("甲,乙\n".encode() + b"\xff\xfe\xfa\n" * 10)
    with pytest.raises(FileError, match="编码"):
        list(tabular.rows(broken))


@pytest.mark.parametrize(("name", "content", "said"), [
    ("scan.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "看起来是PDF 文件"),
    ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "看起来是PNG 图片"),
    ("book.csv", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40, "请把扩展名改为 .xlsx"),
    ("blob.csv", bytes(range(256)) * 8, "看起来是二进制文件"),
    ("old.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "是旧版 .xls"),
    ("scan.xlsx", b"%PDF-1.4\n", "看起来是PDF 文件"),
])
def test_a_file_that_is_not_what_its_name_says_is_named(tmp_path: Path, name: str,
                                                       content: bytes, said: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(FileError, match=said):
        list(tabular.rows(path))


def test_utf16_text_is_not_taken_for_binary() -> None:
    assert tabular.sniff_binary("主体名称,决定文书号\n".encode("utf-16")) is None
