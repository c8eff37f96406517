"""Identity codes: 统一社会信用代码 (USCC, GB 32100-2015) and 居民身份证号码 (GB 11643-1999).

python-stdnum computes the check digits; the format rules follow the standards themselves
because stdnum is stricter than they are in two places that reject real codes: it wants
the USCC's first 8 characters to be digits (登记管理部门 N and Y exist) and it wants an ID
number's region in its own table (region codes of abolished counties stay on issued cards).
Messages are in Chinese: they are shown to clerks and applicants.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from base64 import urlsafe_b64encode
from functools import cache

from cryptography.fernet import Fernet
from django.conf import settings
from stdnum.cn import ric, uscc

from xinyong.lib import pii

ORGANIZATION = "organization"
INDIVIDUAL_BUSINESS = "individual_business"
PERSON = "person"
KINDS = (ORGANIZATION, INDIVIDUAL_BUSINESS, PERSON)
KIND_LABELS = {ORGANIZATION: "法人及非法人组织", INDIVIDUAL_BUSINESS: "个体工商户", PERSON: "自然人"}

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Province-level prefixes of GB/T 2260 (71 台湾, 81 香港, 82 澳门, 83 for residence permits).
PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
    "61 62 63 64 65 71 81 82 83".split()
)


class CodeError(ValueError):
    """An identity code that is not valid; the message says what is wrong."""


def normalize(code: str) -> str:
    return "".join(str(code).split()).replace("-", "").upper()


def validate_uscc(code: str) -> str:
    number = normalize(code)
    if len(number) != 18:
        raise CodeError(f"统一社会信用代码应为 18 位，实际为 {len(number)} 位")
    bad = [c for c in number if c not in USCC_ALPHABET]
    if bad:
        raise CodeError(
            f"统一社会信用代码含有不允许的字符“{bad[0]}”"
            "（只能使用数字和除 I、O、S、V、Z 以外的大写字母）"
        )
    if not number[2:8].isdigit():
        raise CodeError("统一社会信用代码第 3–8 位是登记管理机关行政区划码，应为数字")
    if number[-1] != uscc.calc_check_digit(number[:17]):
        raise CodeError("统一社会信用代码校验位错误（第 18 位与前 17 位不符）")
    return number


def validate_id_number(code: str, today: dt.date | None = None) -> str:
    number = normalize(code)
    if len(number) != 18:
        raise CodeError(f"居民身份证号码应为 18 位，实际为 {len(number)} 位")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise CodeError("居民身份证号码应由 17 位数字和 1 位数字或 X 组成")
    if number[:2] not in PROVINCES:
        raise CodeError(f"居民身份证号码前两位“{number[:2]}”不是有效的省级行政区划码")
    # The messages never quote the birth date: beside the masked code (first 6, last 4
    # characters) those 8 digits would complete the number in a check log.
    try:
        born = ric.get_birth_date(number)
    except Exception:
        raise CodeError("居民身份证号码第 7–14 位的出生日期无效") from None
    if born > (today or dt.date.today()):
        raise CodeError("居民身份证号码第 7–14 位的出生日期晚于今天")
    if number[-1] != ric.calc_check_digit(number):
        raise CodeError("居民身份证号码校验位错误（第 18 位与前 17 位不符）")
    return number


def validate_code(kind: str, code: str) -> str:
    """Validate a subject's code for its kind and return it normalized."""
    if kind == PERSON:
        return validate_id_number(code)
    number = validate_uscc(code)
    if kind == INDIVIDUAL_BUSINESS and not number.startswith("92"):
        raise CodeError("个体工商户的统一社会信用代码应以 92 开头")
    if kind == ORGANIZATION and number.startswith("92"):
        raise CodeError("以 92 开头的统一社会信用代码属于个体工商户，主体类别应为 individual_business")
    return number


def classify(code: str) -> tuple[str, str]:
    """Tell the kind of a bare code: (kind, normalized code).

    A code that is neither a USCC nor an ID number gets both reasons in one message.
    """
    errors = []
    try:
        number = validate_uscc(code)
        return (INDIVIDUAL_BUSINESS if number.startswith("92") else ORGANIZATION), number
    except CodeError as exc:
        errors.append(str(exc))
    try:
        return PERSON, validate_id_number(code)
    except CodeError as exc:
        errors.append(str(exc))
    raise CodeError("既不是有效的统一社会信用代码，也不是有效的居民身份证号码：" + "；".join(errors))


def mask(kind: str, number: str) -> str:
    """Persons' ID numbers are shown as 110105********002X; enterprises' codes are public."""
    if kind == PERSON:
        return pii.mask_code(number)
    return number


@cache
def _keys(data_key: str) -> tuple[bytes, Fernet]:
    digest_key = hashlib.sha256(b"xinyong-digest:" + data_key.encode()).digest()
    cipher_key = hashlib.sha256(b"xinyong-cipher:" + data_key.encode()).digest()
    return digest_key, Fernet(urlsafe_b64encode(cipher_key))


def digest(number: str) -> str:
    """Keyed hash (HMAC-SHA256) used to find a subject by its code without storing it."""
    key, _ = _keys(settings.DATA_KEY)
    return hmac.digest(key, number.encode(), "sha256").hex()  # one call into OpenSSL


def encrypt(number: str) -> str:
    return _keys(settings.DATA_KEY)[1].encrypt(number.encode()).decode()


def decrypt(token: str) -> str:
    return _keys(settings.DATA_KEY)[1].decrypt(token.encode()).decode()


def region_of(kind: str, code: str) -> str | None:
    """The 登记管理机关行政区划码 of a USCC (its characters 3–8), or None (persons, or a code
    whose region part is not six digits)."""
    if kind == PERSON or len(code) != 18:
        return None
    region = code[2:8]
    return region if region.isdigit() and region[0] != "0" else None
