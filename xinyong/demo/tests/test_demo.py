"""`xinyong demo`: loads units, one user per role and subjects; running it again changes
nothing; the demo users can log in."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from xinyong.accounts.models import Role, Unit, User
from xinyong.demo.data import DEMO_PASSWORD, DEMO_USERS, RECORDS, SUBJECTS, UNITS
from xinyong.subjects import codes
from xinyong.subjects.models import Subject


def counts() -> tuple[int, int, int]:
    return Unit.objects.count(), Subject.objects.count(), User.objects.count()


def demo() -> str:
    # Tests run with DEBUG off, where the demo needs --force (see test_production_guard).
    out = StringIO()
    call_command("demo", "--force", stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def loaded(db: Any) -> str:
    return demo()


def test_demo_loads_everything(loaded: str) -> None:
    assert counts() == (len(UNITS), len(SUBJECTS), len(DEMO_USERS))
    assert {u.role for u in User.objects.all()} == set(Role.values)
    assert User.objects.get(username="scjg").unit == Unit.objects.get(name="市场监督管理局")
    assert User.objects.get(username="kangning").subject.name == "福州马尾康宁医疗器械有限公司"
    assert DEMO_PASSWORD in loaded
    for username, *_ in DEMO_USERS:
        assert username in loaded


def test_demo_is_idempotent(loaded: str) -> None:
    first = counts()
    snapshot = sorted(Subject.objects.values_list("code_digest", "name", "kind"))
    again = demo()
    assert counts() == first
    assert sorted(Subject.objects.values_list("code_digest", "name", "kind")) == snapshot
    assert again == loaded


def test_demo_keeps_what_was_changed_by_hand(loaded: str) -> None:
    office = User.objects.get(username="office")
    office.set_password("Changed-by-hand-2026")
    office.save()
    demo()
    office.refresh_from_db()
    assert office.check_password("Changed-by-hand-2026")


def test_demo_codes_are_valid_and_persons_protected(loaded: str) -> None:
    for kind, code, _ in SUBJECTS:
        assert codes.validate_code(kind, code) == code
        subject = Subject.objects.by_code(code)
        assert subject is not None and subject.kind == kind
        if kind == codes.PERSON:
            assert subject.code == "" and subject.code_masked == codes.mask(kind, code)
            assert subject.full_code() == code
    for code, _, _ in UNITS:
        assert codes.validate_uscc(code) == code


@pytest.mark.parametrize(("username", "role_label"), [
    ("office", "信用办"), ("scjg", "成员单位"), ("kangning", "信用主体"), ("bank", "金融机构"),
])
def test_demo_users_log_in(loaded: str, username: str, role_label: str) -> None:
    client = Client()
    response = client.post("/login/", {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert f"您的角色是<strong>{role_label}</strong>" in client.get("/").content.decode()


def test_home_counts_demo_data(loaded: str) -> None:
    html = Client().get("/").content.decode()
    assert f'data-testid="unit-count">{len(UNITS)}<' in html


def test_demo_cases_follow_the_packs(db: Any) -> None:
    from xinyong.lists.models import Membership
    from xinyong.objections.models import Objection
    from xinyong.policies import loader
    from xinyong.records.models import Record
    from xinyong.repairs.models import Repair

    loader.load_shipped()
    demo()
    assert Record.objects.count() == len(RECORDS)
    # Each unit reports under its own jurisdiction: 太仓's findings come from the 太仓 unit.
    assert set(Record.objects.filter(behavior__startswith="tc_")
               .values_list("unit__region", flat=True)) == {"320585"}
    statuses = dict(Record.objects.values_list("decision_no", "status"))
    assert statuses["榕马市监罚〔演示〕1号"] == "published"
    assert set(Membership.objects.values_list("list_code", flat=True)) >= {
        "key_supervision", "joint_punishment", "watch"}
    repair = Repair.objects.get()
    assert repair.channel == "green" and repair.status == "submitted"
    objection = Objection.objects.get()
    assert objection.record.decision_no == "榕马市监罚〔演示〕2号" and objection.record.objection_open
    demo()  # again: nothing doubled
    assert (Record.objects.count(), Repair.objects.count(),
            Objection.objects.count()) == (len(RECORDS), 1, 1)


def test_demo_licences_load_on_any_day(db: Any) -> None:
    """A licence decided on 29 February is valid to the 28th five years on (no crash)."""
    import datetime as dt

    from xinyong.demo.data import LICENCES, load_cases
    from xinyong.licences.models import Licence
    from xinyong.policies import loader

    loader.load_shipped()
    demo()
    Licence.objects.all().delete()
    load_cases(today=dt.date(2028, 3, 15))  # 15 days before: 2028-02-29
    shop = Licence.objects.get(decision_no=LICENCES[1][1])
    assert (shop.decided_on, shop.valid_to) == (dt.date(2028, 2, 29), dt.date(2033, 2, 27))
