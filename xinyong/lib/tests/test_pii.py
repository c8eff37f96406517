"""One recogniser for ID numbers in every way people write them (lib/pii.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from xinyong.lib.pii import (
    has_id_number,
    id_numbers,
    looks_like_id_number,
    mask_code,
    mask_id_numbers,
)

ID = "11010519491231002X"
MASKED = "110105********002X"
OLD = "110105491231002"  # the 15-digit numbers issued before 1999


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ID, MASKED),
        (ID.lower(), MASKED),
        ("440524188001010014", "440524********0014"),
        (f"身份证号{ID}已查询", f"身份证号{MASKED}已查询"),
        (f"code={ID}&x=1", f"code={MASKED}&x=1"),
        (f'{{"code": "{ID}"}}', f'{{"code": "{MASKED}"}}'),
        (f"{ID},440524188001010014", f"{MASKED},440524********0014"),
        ("１１０１０５１９４９１２３１００２Ｘ", MASKED),  # full-width, from an input method
        # What was seen in clear (issue 9, finding 4):
        ("110105 19491231 002X", MASKED),  # spaces
        ("110105-19491231-002X", MASKED),  # hyphens
        ("1101 0519 4912 3100 2X", MASKED),
        ("110105　19491231　002X", MASKED),  # full-width spaces
        ("110105 - 1949 - 1231 - 002X", MASKED),
        ("11010519491231002 X", MASKED),
        (f"ID{ID}", f"ID{MASKED}"),  # a letter next to it
        (f"A{ID}B", f"A{MASKED}B"),
        (f"No.{ID}号", f"No.{MASKED}号"),
        (OLD, "110105*****1002"),  # 15 digits
        (f"旧证{OLD}", "旧证110105*****1002"),
        ("440524188001010014X", "440524*********014X"),  # a trailing X after 18 digits
        ("11010519491231002", "110105*******1002"),  # 17: the check digit left off
        (f"{ID} 2020", f"{MASKED} 2020"),  # grouped text after it stays
        ("110105 19491231 002X 3", f"{MASKED} 3"),
    ],
)
def test_masks_every_written_form(text: str, expected: str) -> None:
    assert mask_id_numbers(text) == expected
    assert has_id_number(text)


@pytest.mark.parametrize(
    "text",
    [
        "91350100M000100Y43",  # a USCC, letters inside
        "2026-11-22 08:00:00 POST /api/v1/subjects/lookup 200",
        "于2020-02-10至2020-03-10整改",
        "20200210-20200310",  # a date range: 16 digits in two groups of 8
        "13800138000 13900139000",  # phone numbers
        "罚款 100 200 300 400 500 元",  # short amounts
        "榕马市监罚〔2020〕12号",
        "",
    ],
)
def test_leaves_other_text_alone(text: str) -> None:
    assert mask_id_numbers(text) == text
    assert not has_id_number(text)


def test_id_numbers_gives_the_compact_numbers() -> None:
    assert id_numbers(f"甲 110105-19491231-002x，乙 {OLD}") == [ID, OLD]


SEPARATORS = st.sampled_from(["", " ", "-", "　", " - ", "–", "—", "－"])
AROUND = st.sampled_from(["", "ID", "身份证号", "证件号码：", "a", "Z", "No.", "（", "号码为"])


@st.composite
def written(draw: st.DrawFn) -> tuple[str, str]:
    """A valid 18-character number and one way a person might have typed it."""
    body = draw(st.sampled_from(["110105", "350105", "440524", "320585"]))
    body += f"{draw(st.integers(1930, 2005))}{draw(st.integers(1, 12)):02d}{draw(st.integers(1, 28)):02d}"
    body += f"{draw(st.integers(0, 999)):03d}"
    number = body + ric.calc_check_digit(body + "0")
    cuts = sorted(draw(st.sets(st.integers(1, 17), max_size=4)))
    parts = [number[a:b] for a, b in zip([0, *cuts], [*cuts, 18], strict=True)]
    text = parts[0]
    for part in parts[1:]:
        text += draw(SEPARATORS) + part
    if draw(st.booleans()):
        text = text.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    if draw(st.booleans()):
        text = text.lower()
    return number, draw(AROUND) + text + draw(AROUND)


@given(written())
def test_no_written_form_survives(case: tuple[str, str]) -> None:
    number, text = case
    masked = mask_id_numbers(text)
    compact = "".join(c for c in masked.translate(str.maketrans("０１２３４５６７８９ｘＸ", "0123456789XX"))
                      if c.isalnum()).upper()
    assert number not in compact
    assert number[6:14] not in compact  # the birth date, the part the mask hides
    assert number[:6] + "********" + number[-4:] in masked.upper() or "*" in masked


@pytest.mark.parametrize(("code", "expected"), [
    ("11010519491231002X", True),  # 18 characters
    ("110105491231002", True),  # the old 15 digits
    ("11010519491231O02X", True),  # one mistyped character
    ("1101051949123100", True),  # 16: a digit or two missing
    ("12345678901234", True),  # 14 digits: the old number with one missing
    ("1101051949123100211", True),  # 19: one too many
    ("1101051949123A0B2X", False),  # three letters: not a number typed wrong
    ("91350100M000100Y4X", False),  # a USCC (two letters and a check letter), even a wrong one
    ("91350105MA2Y00001R", False),
    ("110105********002X", False),  # already masked
    ("1234567890123", False),  # 13: too short
    ("11010519491231002X1", True),
    ("1101051949123100211X", False),  # 20: too long
])
def test_looks_like_id_number(code: str, expected: bool) -> None:
    assert looks_like_id_number(code) is expected


def test_a_code_that_looks_like_an_id_number_is_masked_as_one() -> None:
    assert mask_code(ID) == MASKED
    assert mask_code("110105491231002") == "110105*****1002"
    assert mask_id_numbers(f"号码 {ID}") == f"号码 {MASKED}"


@given(st.text(alphabet="0123456789X", min_size=14, max_size=19))
def test_what_looks_like_an_id_number_no_longer_does_once_masked(code: str) -> None:
    if looks_like_id_number(code):
        assert not looks_like_id_number(mask_code(code))
