"""Identity codes: every valid code passes, every single-character change fails."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from xinyong.subjects import codes

ALPHABET = codes.USCC_ALPHABET


@st.composite
def valid_usccs(draw: st.DrawFn) -> str:
    head = draw(st.text(ALPHABET, min_size=2, max_size=2))
    region = draw(st.text("0123456789", min_size=6, max_size=6))
    body = draw(st.text(ALPHABET, min_size=9, max_size=9))
    first17 = head + region + body
    return first17 + uscc.calc_check_digit(first17)


@st.composite
def valid_id_numbers(draw: st.DrawFn) -> str:
    province = draw(st.sampled_from(sorted(codes.PROVINCES)))
    rest_of_region = draw(st.text("0123456789", min_size=4, max_size=4))
    born = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2024, 12, 31)))
    sequence = draw(st.text("0123456789", min_size=3, max_size=3))
    first17 = f"{province}{rest_of_region}{born:%Y%m%d}{sequence}"
    return first17 + ric.calc_check_digit(first17 + "0")


def single_changes(code: str, alphabet: str) -> list[str]:
    return [code[:i] + c + code[i + 1:] for i in range(len(code)) for c in alphabet if c != code[i]]


@given(valid_usccs())
def test_valid_uscc_passes(code: str) -> None:
    assert codes.validate_uscc(code) == code


@settings(max_examples=40)
@given(valid_usccs())
def test_every_single_character_change_of_a_uscc_fails(code: str) -> None:
    for changed in single_changes(code, ALPHABET + "IOSVZ*"):
        with pytest.raises(codes.CodeError):
            codes.validate_uscc(changed)


@given(valid_id_numbers())
def test_valid_id_number_passes(code: str) -> None:
    assert codes.validate_id_number(code) == code


@settings(max_examples=40)
@given(valid_id_numbers())
def test_every_single_character_change_of_an_id_number_fails(code: str) -> None:
    for changed in single_changes(code, "0123456789XA"):
        with pytest.raises(codes.CodeError):
            codes.validate_id_number(changed)


@pytest.mark.parametrize("code", ["91110000600037341L", "91350100M000100Y43"])
def test_known_valid_usccs(code: str) -> None:
    assert codes.validate_uscc(code) == code


@pytest.mark.parametrize("code", ["11010519491231002X", "440524188001010014"])
def test_known_valid_id_numbers(code: str) -> None:
    # 440524 is a region code stdnum's table lacks; issued cards keep such codes.
    assert codes.validate_id_number(code) == code


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("9111000060003734", "应为 18 位，实际为 16 位"),
        ("9111000060003734IL", "不允许的字符“I”"),
        ("91AB000060003734XL", "第 3–8 位"),
        ("91110000600037341M", "校验位错误"),
    ],
)
def test_uscc_errors_say_what_is_wrong(code: str, message: str) -> None:
    with pytest.raises(codes.CodeError, match=message):
        codes.validate_uscc(code)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("1101051949123100", "应为 18 位"),
        ("11010519491231002Y", "17 位数字和 1 位数字或 X"),
        ("00010519491231002X", "不是有效的省级行政区划码"),
        ("110105194913310021", "第 7–14 位的出生日期无效"),
        ("110105209912310021", "晚于今天"),
        ("110105194912310021", "校验位错误"),
    ],
)
def test_id_number_errors_say_what_is_wrong(code: str, message: str) -> None:
    with pytest.raises(codes.CodeError, match=message):
        codes.validate_id_number(code, today=dt.date(2026, 11, 22))


def test_normalize_accepts_spaces_and_lower_case() -> None:
    assert codes.validate_uscc(" 91350100m000100y43 ") == "91350100M000100Y43"
    assert codes.validate_id_number("110105 19491231 002x") == "11010519491231002X"


def test_classify_tells_kinds_apart() -> None:
    assert codes.classify("91350100M000100Y43") == ("organization", "91350100M000100Y43")
    assert codes.classify("92350105MA2Y000040")[0] == "individual_business"
    assert codes.classify("11010519491231002X")[0] == "person"
    with pytest.raises(codes.CodeError, match="既不是有效的统一社会信用代码"):
        codes.classify("not-a-code")


def test_kind_and_code_must_agree() -> None:
    with pytest.raises(codes.CodeError, match="应以 92 开头"):
        codes.validate_code("individual_business", "91350100M000100Y43")
    with pytest.raises(codes.CodeError, match="属于个体工商户"):
        codes.validate_code("organization", "92350105MA2Y000040")
    with pytest.raises(codes.CodeError, match="居民身份证号码"):
        codes.validate_code("person", "91350100M000100Y43")


def test_mask_persons_only() -> None:
    assert codes.mask("person", "11010519491231002X") == "110105********002X"
    assert codes.mask("organization", "91350100M000100Y43") == "91350100M000100Y43"


def test_digest_is_keyed_and_cipher_round_trips(settings: object) -> None:
    number = "11010519491231002X"
    first = codes.digest(number)
    assert number not in first and len(first) == 64
    token = codes.encrypt(number)
    assert number not in token
    assert codes.decrypt(token) == number
    settings.DATA_KEY = "another key"  # type: ignore[attr-defined]
    assert codes.digest(number) != first


@pytest.mark.parametrize("code", ["110105194913310021", "110105209912310021", "110105194912310021",
                                  "00010519491231002X"])
def test_id_number_errors_never_quote_the_hidden_digits(code: str) -> None:
    """Beside the masked code (first 6 and last 4) the middle 8 would complete the number,
    in a check log or an import's error file."""
    with pytest.raises(codes.CodeError) as caught:
        codes.validate_id_number(code, today=dt.date(2026, 11, 22))
    assert code[6:14] not in str(caught.value)
