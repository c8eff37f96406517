"""A person's records follow the person's profile (`subjects.access.may_view_profile`):
staff and the person themself see them; anonymous callers, institutions and other subjects
get the same 404 as for an id that does not exist, on the API and on the record page, so
walking ids tells nothing about persons. Enterprises' published records stay public."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from conftest import IB_CODE, ORG2_CODE, PERSON2_CODE, PERSON_CODE, ApiClient
from xinyong.accounts.models import Role, Unit, User
from xinyong.records.models import Record
from xinyong.records.tests.test_views import published_now

MISSING = 999999


def person_record(unit: Unit, code: str = PERSON_CODE, name: str = "张三", no: str = "公罚〔2026〕5号"
                  ) -> Record:
    record = published_now(unit, subject_kind="person", subject_name=name, subject_code=code,
                           decision_no=no)
    assert record.subject.is_person and record.status == "published"
    return record


def org_record(unit: Unit, code: str = ORG2_CODE, name: str = "福州示例信用科技有限公司",
               kind: str = "organization", no: str = "市监罚〔2026〕9号") -> Record:
    record = published_now(unit, subject_kind=kind, subject_name=name, subject_code=code,
                           decision_no=no)
    assert not record.subject.is_person and record.status == "published"
    return record


@pytest.fixture
def callers(users: dict[str, User], person_user: User, make_user: Callable[..., User],
            other_unit: Unit) -> dict[str, User | None]:
    return {
        "anonymous": None,
        "institution": users[Role.INSTITUTION],
        "other subject": users[Role.SUBJECT],  # bound to an organisation, not to 张三
        "the person": person_user,
        "office": users[Role.OFFICE],
        "reporting department": users[Role.DEPARTMENT],
        "another department": make_user("erin", Role.DEPARTMENT, unit=other_unit),
    }


HIDDEN_FROM = ("anonymous", "institution", "other subject")
SHOWN_TO = ("the person", "office", "reporting department", "another department")


def test_api_hides_a_persons_published_record(loaded: Any, unit: Unit, callers: dict[str, Any],
                                              api: Callable[..., ApiClient]) -> None:
    record = person_record(unit)
    for who, user in callers.items():
        client = api(user)
        response = client.get(f"/api/v1/records/{record.pk}")
        if who in HIDDEN_FROM:
            missing = client.get(f"/api/v1/records/{MISSING}")
            assert response.status_code == 404, who
            assert response.json() == missing.json(), who  # the same answer as for no record
            assert "张三" not in response.content.decode(), who
        else:
            assert who in SHOWN_TO
            assert response.status_code == 200, who
            assert response.json()["subject_name"] == "张三"
            assert response.json()["code_masked"] == "110105********002X"


def unsalted(content: bytes) -> bytes:
    content = re.sub(rb'"X-CSRFToken": "[^"]*"', b"", content)
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", content)


def test_record_page_hides_a_persons_published_record(loaded: Any, unit: Unit,
                                                      callers: dict[str, Any],
                                                      web: Callable[..., Client]) -> None:
    record = person_record(unit)
    for who, user in callers.items():
        browser = web(user)
        response = browser.get(f"/records/{record.pk}/")
        if who in HIDDEN_FROM:
            missing = browser.get(f"/records/{MISSING}/")
            assert response.status_code == missing.status_code == 404, who
            # The same page but for the layout's per-response CSRF tokens.
            assert unsalted(response.content) == unsalted(missing.content), who
        else:
            assert response.status_code == 200, who
            page = response.content.decode()
            assert "张三" in page and "110105********002X" in page and PERSON_CODE not in page


def test_enterprises_published_records_stay_public(loaded: Any, unit: Unit,
                                                   callers: dict[str, Any],
                                                   api: Callable[..., ApiClient],
                                                   web: Callable[..., Client]) -> None:
    records = [org_record(unit),
               org_record(unit, IB_CODE, "马尾区示例个体工商户", "individual_business", "市监罚〔2026〕10号")]
    for record in records:
        for who, user in callers.items():
            assert api(user).get(f"/api/v1/records/{record.pk}").status_code == 200, who
            assert web(user).get(f"/records/{record.pk}/").status_code == 200, who


def test_walking_ids_anonymously_finds_no_person(loaded: Any, unit: Unit,
                                                 api: Callable[..., ApiClient],
                                                 web: Callable[..., Client]) -> None:
    persons = [person_record(unit),
               person_record(unit, PERSON2_CODE, "李四", "公罚〔2026〕6号")]
    enterprises = [org_record(unit),
                   org_record(unit, IB_CODE, "马尾区示例个体工商户", "individual_business",
                              "市监罚〔2026〕10号")]
    persons.append(person_record(unit, PERSON_CODE, "张三", "公罚〔2026〕7号"))
    ids = [r.pk for r in Record.objects.all()]
    anonymous_api, anonymous_web = api(None), web(None)
    found_api, found_web = set(), set()
    for record_id in range(min(ids) - 3, max(ids) + 4):
        response = anonymous_api.get(f"/api/v1/records/{record_id}")
        assert response.status_code in (200, 404)
        if response.status_code == 200:
            found_api.add(record_id)
        page = anonymous_web.get(f"/records/{record_id}/")
        assert page.status_code in (200, 404)
        if page.status_code == 200:
            found_web.add(record_id)
        for body in (response.content.decode(), page.content.decode()):
            assert "张三" not in body and "李四" not in body
            assert "110105********002X" not in body and "440524********0014" not in body
    assert found_api == found_web == {r.pk for r in enterprises}
    assert not found_api & {r.pk for r in persons}
