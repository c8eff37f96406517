"""The columnar path (records/columns.py) against the per-row path, on generated files.

The per-row path (`bulk.to_submission`, `imports.Determiner`) words every problem and is
the reference: for any chunk of rows, the columnar path must stage the same rows with the
same values and reject the same rows with the same errors. Hypothesis writes the rows:
mostly plain ones, with every kind of cell the vectorised checks have to get right
(codes with a wrong check digit or in lower case, impossible dates, dates in other forms,
decisions after today, ID numbers in names and facts, unknown behaviours, deferrals ...).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from xinyong.records import bulk, imports
from xinyong.records import determination as d
from xinyong.records.columns import Chunks, screen
from xinyong.records.models import ImportJob
from xinyong.subjects import codes

TODAY = dt.date(2026, 6, 30)
HEADER = ["subject_kind", "subject_name", "subject_code", "behavior", "occurred_on",
          "decided_on", "decision_no", "facts", "severity", "force_majeure", "epidemic_duty",
          "rectify_by", "external_id", "violation_type"]
BEHAVIORS = ["fz_mask_fraud", "fz_market_disruption", "fz_concealment_evasion",
             "fz_work_resumption_breach", "fz_donation", "administrative_penalty",
             "tc_contract_breach", "no_such_behavior", ""]
USCC_BODY = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def a_valid_code(draw: Any, kind: str) -> str:
    if kind == "person":
        body = (draw(st.sampled_from(["350105", "320585"]))
                + draw(st.dates(dt.date(1940, 1, 1), dt.date(2005, 12, 31))).strftime("%Y%m%d")
                + f"{draw(st.integers(0, 999)):03d}")
        return body + ric.calc_check_digit(body + "0")
    head = "92" if kind == "individual_business" else "91"
    body = head + draw(st.sampled_from(["350105", "350102"])) + "".join(
        draw(st.lists(st.sampled_from(USCC_BODY), min_size=9, max_size=9)))
    return body + uscc.calc_check_digit(body)


def a_spoiled_code(draw: Any, kind: str, code: str) -> str:
    way = draw(st.integers(0, 7))
    if way == 0:
        return code[:-1] + ("0" if code[-1] != "0" else "1")  # check digit
    if way == 1:
        return code.lower()
    if way == 2:
        return f" {code[:6]} {code[6:]} "
    if way == 3:
        return code[:-2]
    if way == 4 and kind == "person":  # born after today, or on no day at all
        born = draw(st.sampled_from(["20271105", "19990230", "19991301", "00000101"]))
        body = code[:6] + born + code[14:17]
        return body + ric.calc_check_digit(body + "0")
    if way == 5 and kind == "person":
        body = "99" + code[2:17]  # no such province
        return body + ric.calc_check_digit(body + "0")
    if way == 6 and kind != "person":
        body = code[:2] + "35A105" + code[8:17]  # letters where the region's digits go
        return body + uscc.calc_check_digit(body)
    body = ("92" if code.startswith("91") else "91") + code[2:17]  # the other kind's prefix
    return body + uscc.calc_check_digit(body) if kind != "person" else code + "1"


def a_spoiled_date(draw: Any, day: dt.date) -> str:
    return draw(st.sampled_from([day.strftime("%Y/%m/%d"), day.strftime("%Y%m%d"),
                                 f"{day.year}-02-30", f"{day.year}年{day.month}月{day.day}日",
                                 f" {day.isoformat()} ", "0000-01-01", "2021-1-5", "明天"]))


FIELDS = ["kind", "name", "code", "behavior", "occurred_on", "decided_on", "decision_no",
          "facts", "severity", "force_majeure", "epidemic_duty", "rectify_by", "short"]


@st.composite
def a_row(draw: Any, number: int) -> list[str]:
    """Mostly plain rows; some with one or two cells any check must catch or read."""
    kind = draw(st.sampled_from(["organization", "individual_business", "person"]))
    decided = draw(st.dates(dt.date(2019, 6, 1), dt.date(2026, 6, 30)))
    occurred = decided - dt.timedelta(days=draw(st.integers(0, 40)))
    spoil = draw(st.sets(st.sampled_from(FIELDS), max_size=2)) if draw(st.booleans()) else set()
    code = a_valid_code(draw, kind)
    row = {
        "kind": draw(st.sampled_from({"organization": ["organization", "法人", "法人及非法人组织"],
                                      "individual_business": ["individual_business", "个体工商户"],
                                      "person": ["person", "自然人"]}[kind])),
        "name": "陈明" if kind == "person" else draw(st.sampled_from(["福州示例有限公司", "马尾某某商行"])),
        "code": code,
        "behavior": draw(st.sampled_from(BEHAVIORS[:6])),
        "occurred_on": draw(st.sampled_from(["", occurred.isoformat()])),
        "decided_on": decided.isoformat(),
        "decision_no": f"榕马罚〔{decided.year}〕{number % 7}号",
        "facts": draw(st.sampled_from(["销售假冒口罩", "", " 哄抬物价 "])),
        "severity": draw(st.sampled_from(["serious", "一般", "较重", "general", "严重"])),
        "force_majeure": draw(st.sampled_from(["", "否", "false", "0"])),
        "epidemic_duty": draw(st.sampled_from(["", "否", "N"])),
        "rectify_by": "",
        "external_id": draw(st.sampled_from(["", f"E{number}", f"E{number % 5}"])),
        "violation_type": draw(st.sampled_from(["", "合同违约", "x" * 250])),
    }
    if "kind" in spoil:
        row["kind"] = draw(st.sampled_from(["company", "", " person", "自然人 "]))
    if "name" in spoil:
        row["name"] = draw(st.sampled_from(["", " ", "某公司350105198506123010", "某商行\x1f"]))
    if "code" in spoil:
        row["code"] = a_spoiled_code(draw, kind, code)
    if "behavior" in spoil:
        row["behavior"] = draw(st.sampled_from(BEHAVIORS[6:]))
    if "occurred_on" in spoil:
        row["occurred_on"] = draw(st.sampled_from([
            a_spoiled_date(draw, occurred), (decided + dt.timedelta(days=3)).isoformat()]))
    if "decided_on" in spoil:
        row["decided_on"] = draw(st.sampled_from([a_spoiled_date(draw, decided), "2026-11-30", ""]))
    if "decision_no" in spoil:
        row["decision_no"] = draw(st.sampled_from(["", "  "]))
    if "facts" in spoil:
        row["facts"] = draw(st.sampled_from(["当事人 350105 19850612 3010 承认", "身份证350105198506123010",
                                             "x" * (bulk.MAX_CELL + 1)]))
    if "severity" in spoil:
        row["severity"] = draw(st.sampled_from(["", "很严重", " general ", "Serious", "minor", "轻微"]))
    if "force_majeure" in spoil:
        row["force_majeure"] = draw(st.sampled_from(["是", "true", "TRUE", "1", "maybe", " 是 "]))
    if "epidemic_duty" in spoil:
        row["epidemic_duty"] = draw(st.sampled_from(["是", "yes", "Y", "bad"]))
    if "rectify_by" in spoil:
        row["rectify_by"] = draw(st.sampled_from([
            (decided + dt.timedelta(days=draw(st.integers(-2, 40)))).isoformat(), "2020-02-30"]))
    cells = [row[key] for key in ["kind", "name", "code", "behavior", "occurred_on", "decided_on",
                                  "decision_no", "facts", "severity", "force_majeure",
                                  "epidemic_duty", "rectify_by", "external_id", "violation_type"]]
    if "short" in spoil:
        cells = cells[:draw(st.integers(2, len(cells) - 1))]
    return cells


@st.composite
def a_chunk(draw: Any) -> list[tuple[int, list[str]]]:
    size = draw(st.integers(1, 40))
    return [(n + 2, draw(a_row(n))) for n in range(size)]


@pytest.fixture
def rows(loaded: Any, unit: Any, tmp_path: Any) -> imports.RecordRows:
    job = ImportJob.objects.create(unit=unit, file_name="f.csv", file_path=str(tmp_path / "f.csv"),
                                   sha256="0" * 64, attempts=1)
    return imports.RecordRows(job, TODAY)


def _compare(rows: imports.RecordRows, chunk: list[tuple[int, list[str]]],
             mapping: dict[int, str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    fast = Chunks(rows, mapping).process(chunk)
    slow = Chunks(rows, mapping, reference=True).process(chunk)
    assert fast.rejects == slow.rejects
    return fast.staged.sort("row_no"), slow.staged.sort("row_no")


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(chunk=a_chunk())
def test_the_columns_stage_and_reject_exactly_as_row_by_row(rows: imports.RecordRows,
                                                            chunk: Any) -> None:
    mapping = dict(enumerate(HEADER))
    fast, slow = _compare(rows, chunk, mapping)
    assert fast.to_dicts() == slow.to_dicts()


def test_a_plain_file_takes_the_columns_and_gives_the_same_rows(rows: imports.RecordRows) -> None:
    good = [
        ["organization", "福州马尾康宁医疗器械有限公司", "91350105MA2Y00001R", "fz_mask_fraud",
         "2020-02-10", "2020-02-20", "榕马市监罚〔2020〕1号", "销售假冒口罩", "serious", "", "",
         "", "", ""],
        ["person", "陈明", "350105198506123010", "fz_concealment_evasion", "", "2020-02-22",
         "榕马公罚〔2020〕3号", "隐瞒旅居史", "serious", "否", "否", "", "E3", ""],
        ["organization", "福州闽江生鲜超市有限公司", "91350105MA2Y00002W", "fz_market_disruption",
         "2026-03-01", "2026-03-05", "榕马市监罚〔2026〕2号", "哄抬物价", "一般", "", "", "", "", ""],
    ]
    chunk = [(n + 2, row) for n, row in enumerate(good)]
    mapping = dict(enumerate(HEADER))
    frame = screen(Chunks(rows, mapping)._columns(chunk), rows.options, TODAY)
    assert frame["plain"].to_list() == [True, True, True]  # none went row by row
    fast, slow = _compare(rows, chunk, mapping)
    assert fast.to_dicts() == slow.to_dicts()
    statuses = dict(zip(fast["row_no"].to_list(), fast["status"].to_list(), strict=True))
    assert statuses == {2: d.EXPIRED, 3: d.EXPIRED, 4: d.EXEMPTED}
    first = fast.row(0, named=True)
    assert (first["starts_on"], first["ends_on"]) == (dt.date(2020, 2, 20), dt.date(2023, 2, 19))
    assert '"code": "key_supervision"' in first["lists"]


def test_a_file_with_other_columns_goes_row_by_row(rows: imports.RecordRows) -> None:
    """A penalty's columns are the per-row path's business: the whole file takes it."""
    mapping = {**dict(enumerate(HEADER)), len(HEADER): "fine_wan"}
    chunks = Chunks(rows, mapping)
    assert not chunks.plain_file
    row = ["organization", "福州示例有限公司", "91350105MA2Y00001R", "administrative_penalty",
           "2025-02-10", "2025-02-20", "榕马市监罚〔2025〕1号", "超范围经营", "一般", "", "", "", "", "", "3"]
    out = chunks.process([(2, row)])
    assert out.rejects == [], out.rejects
    assert out.staged.height == 1


def _id(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


def _uscc(body: str) -> str:
    return body + uscc.calc_check_digit(body)


@pytest.mark.parametrize(("kind", "code"), [
    ("organization", "91350105MA2Y00001R"), ("individual_business", "92350105MA2Y000047"),
    ("person", "350105198506123010"), ("person", "11010519491231002X"),
    ("person", _id("35010520991105123")),  # born after today
    ("person", _id("35010519990230123")), ("person", _id("35010500000101123")),
    ("person", _id("99010519850612301")),  # no such province
    ("person", "350105198506123011"),  # check digit
    ("organization", "91350105ma2y00001r"), ("organization", _uscc("92350105MA2Y00004")),
    ("individual_business", _uscc("91350105MA2Y00004")), ("organization", _uscc("9135A105MA2Y00004")),
    ("organization", "91350105MA2Y00001"), ("organization", "91350105MA2Y0000IR"),
])
def test_the_vectorised_code_checks_agree_with_the_per_row_ones(
        rows: imports.RecordRows, kind: str, code: str) -> None:
    cells = [kind, "名称", code, "fz_mask_fraud", "", "2020-02-20", "文号", "", "serious", "", "",
             "", "", ""]
    mapping = dict(enumerate(HEADER))
    frame = screen(Chunks(rows, mapping)._columns([(2, cells)]), rows.options, TODAY)
    valid = not isinstance(bulk._validated_code(kind, code), codes.CodeError)
    # A code not in its written form (lower case, spaces) goes row by row, valid or not.
    assert frame["plain"][0] is (valid and code == codes.normalize(code))
