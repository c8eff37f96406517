"""GET /api/v1/subjects/{id}/score and /grade: who may ask, what the answer holds, any
past day, and the credit file's stored results."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from xinyong.accounts.models import Role, User
from xinyong.subjects.models import Subject

D = dt.date



def test_the_person_sees_each_point_with_its_reason(api: Callable[..., Any], person_user: User,
                                                   finding: Any, person: Subject) -> None:
    body = api(person_user).get(f"/api/v1/subjects/{person.pk}/score").json()
    assert body["scheme"] == "loucheng_points" and body["provisional"] is True
    assert body["other_schemes"] == ["fuzhou_personal_points"]
    item = next(i for i in body["items"] if i["record_id"] == finding.pk)
    assert item == {**item, "points": -50, "behavior": "tc_evade_quarantine",
                    "policy": "taicang-2020-1", "clause": "4", "rule": "dishonest",
                    "date": "2026-11-03"}
    assert body["points"] == body["base"] + sum(i["points"] for i in body["items"])
    assert {"scheme", "points", "level", "as_of", "items"} <= set(body)


def test_as_of_before_the_record_has_no_deduction(api: Callable[..., Any], users: dict[str, User],
                                                  finding: Any, person: Subject) -> None:
    office = api(users[Role.OFFICE])
    before = office.get(f"/api/v1/subjects/{person.pk}/score?as_of=2026-11-02").json()
    after = office.get(f"/api/v1/subjects/{person.pk}/score?as_of=2026-11-03").json()
    assert before["as_of"] == "2026-11-02"
    assert not [i for i in before["items"] if i["record_id"] == finding.pk]
    assert after["points"] == before["points"] - 50
    fuzhou = office.get(f"/api/v1/subjects/{person.pk}/score?scheme=fuzhou_personal_points").json()
    assert fuzhou["scheme"] == "fuzhou_personal_points" and fuzhou["level"]


def test_who_may_see_a_score(api: Callable[..., Any], users: dict[str, User], finding: Any,
                             person: Subject, organization: Subject, make_user: Any) -> None:
    url = f"/api/v1/subjects/{person.pk}/score"
    assert api(None).get(url).status_code == 401
    assert api(users[Role.DEPARTMENT]).get(url).status_code == 403
    assert api(users[Role.INSTITUTION]).get(url).status_code == 403
    # Another subject's user does not learn the person exists.
    assert api(users[Role.SUBJECT]).get(url).status_code == 404
    # An enterprise has no points: said so.
    own = api(users[Role.SUBJECT]).get(f"/api/v1/subjects/{organization.pk}/score")
    assert own.status_code == 404 and "自然人" in own.json()["detail"]
    other = get_or_create_org()
    assert api(users[Role.SUBJECT]).get(f"/api/v1/subjects/{other.pk}/score").status_code == 403


def get_or_create_org() -> Subject:
    from xinyong.subjects.models import get_or_create_subject

    return get_or_create_subject("organization", "91350105MA2Y00002W", "福州闽江生鲜超市有限公司")[0]


def test_bad_days_and_schemes_name_the_field(api: Callable[..., Any], users: dict[str, User],
                                             finding: Any, person: Subject) -> None:
    office = api(users[Role.OFFICE])
    future = office.get(f"/api/v1/subjects/{person.pk}/score?as_of=2999-01-01")
    assert future.status_code == 422 and future.json()["errors"][0]["loc"] == ["as_of"]
    assert office.get(f"/api/v1/subjects/{person.pk}/score?as_of=2026-13-01").status_code == 422
    unknown = office.get(f"/api/v1/subjects/{person.pk}/score?scheme=nope")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["loc"] == ["scheme"]
    early = office.get(f"/api/v1/subjects/{person.pk}/score?as_of=2019-01-01")
    assert early.status_code == 404 and "没有施行中的积分方案" in early.json()["detail"]


def test_grades_are_public_for_enterprises(api: Callable[..., Any], loaded: Any,
                                           organization: Subject, person: Subject) -> None:
    body = api(None).get(f"/api/v1/subjects/{organization.pk}/grade").json()
    assert body["grade"] == "B" and body["inspection_rate"] == 0.2
    assert body["basis"] == [{"rule": "otherwise", "name": "不符合其他分类条件",
                              "policy": "platform-defaults", "clause": "分级分类",
                              "doc_number": "平台运行规则（信用办设定）", "factor": None}]
    # A person's grade: no such thing, and no hint the person exists.
    assert api(None).get(f"/api/v1/subjects/{person.pk}/grade").status_code == 404


def test_the_credit_file_shows_the_stored_results(api: Callable[..., Any], person_user: User,
                                                  users: dict[str, User], finding: Any,
                                                  person: Subject, organization: Subject) -> None:
    mine = api(person_user).get(f"/api/v1/subjects/{person.pk}").json()
    assert [s["scheme"] for s in mine["scores"]] == ["loucheng_points", "fuzhou_personal_points"]
    assert mine["score"]["points"] == api(person_user).get(
        f"/api/v1/subjects/{person.pk}/score").json()["points"]
    assert mine["grade"] is None and mine["not_yet_available"] == []
    assert mine["score"]["computed_at"] and mine["score"]["provisional"] is True
    public = api(None).get(f"/api/v1/subjects/{organization.pk}").json()
    assert public["grade"]["grade"] == "B" and public["score"] is None
    # A department sees the person's file but not the points (the person and office only).
    dept = api(users[Role.DEPARTMENT]).get(f"/api/v1/subjects/{person.pk}").json()
    assert dept["score"] is None and dept["scores"] == []
