"""Demo data: units, one user per role, subjects with valid codes. Loading is idempotent.

The codes are made up but valid (check digits computed); the password is for a demo only
and is printed by `make run`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from xinyong.accounts.models import Role, Unit, User
from xinyong.subjects.models import Subject, get_or_create_subject

DEMO_PASSWORD = "xinyong-demo-2026"  # noqa: S105 (printed by make run; demo only)

UNITS = [
    ("113501050030000041", "市场监督管理局"),
    ("11350105003000001P", "发展和改革局"),
    ("11350105003000002T", "卫生健康委员会"),
    ("11350105003000003X", "公安局"),
    ("113501050030000054", "商务局"),
    ("113501050030000067", "税务局"),
]

SUBJECTS = [
    ("organization", "91350105MA2Y00001R", "福州马尾康宁医疗器械有限公司"),
    ("organization", "91350105MA2Y00002W", "福州闽江生鲜超市有限公司"),
    ("organization", "91320585MA1N000039", "太仓娄江纺织进出口有限公司"),
    ("organization", "91350100M000100Y43", "福州示例信用科技有限公司"),
    ("individual_business", "92350105MA2Y000040", "马尾区老陈药店"),
    ("person", "350105198506123010", "陈明"),
    ("person", "350105199203044520", "林晓"),
]


@dataclass
class DemoLogin:
    username: str
    role: str
    note: str


DEMO_USERS = [
    ("office", Role.OFFICE, None, None, "信用办管理员"),
    ("scjg", Role.DEPARTMENT, "113501050030000041", None, "市场监督管理局信用联络员"),
    ("kangning", Role.SUBJECT, None, "91350105MA2Y00001R", "康宁医疗器械（企业用户）"),
    ("bank", Role.INSTITUTION, None, None, "示例银行信易贷专员"),
]


@transaction.atomic
def load() -> list[DemoLogin]:
    for code, name in UNITS:
        Unit.objects.get_or_create(code=code, defaults={"name": name})
    for kind, code, name in SUBJECTS:
        get_or_create_subject(kind, code, name)
    logins = []
    for username, role, unit_code, subject_code, note in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, role=role, display_name=note)
            user.unit = Unit.objects.get(code=unit_code) if unit_code else None
            user.subject = Subject.objects.get(code=subject_code) if subject_code else None
            user.set_password(DEMO_PASSWORD)
            user.save()
        logins.append(DemoLogin(username, role, note))
    return logins
