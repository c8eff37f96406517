"""The credit file (信用档案): records and list memberships as the contract says, the same
story on the profile, the public list and the record page, for each viewer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from xinyong.accounts.models import Role, Unit, User
from xinyong.records import services
from xinyong.records.models import Record
from xinyong.subjects.models import Subject


def today() -> dt.date:
    return timezone.localdate()


def report(unit: Unit, subject: Subject, behavior: str, number: str, *,
           severity: str = "serious", days_ago: int = 30) -> Record:
    decided = today() - dt.timedelta(days=days_ago)
    record, _ = services.submit(unit, services.Submission(
        subject_kind=subject.kind, subject_name=subject.name, subject_code=subject.full_code(),
        behavior=behavior, occurred_on=decided - dt.timedelta(days=5), decided_on=decided,
        decision_no=number, facts="", severity=severity))
    return record


@pytest.fixture
def company(loaded: Any) -> Subject:
    from xinyong.subjects.models import get_or_create_subject

    return get_or_create_subject("organization", "91320585MA1N000039", "太仓娄江纺织进出口有限公司")[0]


@pytest.fixture
def owner(company: Subject, make_user: Callable[..., User]) -> User:
    return make_user("loujiang", Role.SUBJECT, subject=company)


@pytest.fixture
def tc_dept(taicang_unit: Unit, make_user: Callable[..., User]) -> User:
    return make_user("tc_reporter", Role.DEPARTMENT, unit=taicang_unit)


@pytest.fixture
def story(taicang_unit: Unit, company: Subject) -> dict[str, Record]:
    """On 联合惩戒 (published), withdrawn, and on the non-public 重点关注名单."""
    listed = report(taicang_unit, company, "tc_wildlife_trade", "太农罚〔2026〕1号")
    gone = report(taicang_unit, company, "tc_epidemic_false_advertising", "太市监罚〔2026〕2号")
    services.withdraw(gone, "行政复议撤销", actor=None)
    watched = report(taicang_unit, company, "tc_work_resumption_not_as_required",
                     "太工信责改〔2026〕3号", severity="general")
    return {"listed": listed, "gone": gone, "watched": watched}


def profile(client: Any, subject: Subject) -> dict[str, Any]:
    response = client.get(f"/api/v1/subjects/{subject.pk}")
    assert response.status_code == 200, response.content
    return response.json()  # type: ignore[no-any-return]


def test_the_public_profile_shows_what_is_published_today(
        story: dict[str, Record], company: Subject, api: Callable[..., Any]) -> None:
    # What was seen: the profile always said there were no records and no lists.
    body = profile(api(None), company)
    assert body["full"] is False
    assert [r["id"] for r in body["records"]] == [story["watched"].pk, story["listed"].pk]
    listed = next(r for r in body["records"] if r["id"] == story["listed"].pk)
    assert listed["status"] == "published" and listed["behavior"] == "tc_wildlife_trade"
    assert (listed["policy"], listed["clause"]) == ("taicang-2020-1", "1")
    assert listed["publicity"]["starts_on"] == story["listed"].starts_on.isoformat()
    # Public lists in force only: 联合惩戒, not the non-public 重点关注名单.
    assert [(m["code"], m["active"]) for m in body["lists"]] == [("joint_punishment", True)]


def test_the_subject_and_the_office_see_everything(
        story: dict[str, Record], company: Subject, owner: User, users: dict[str, User],
        api: Callable[..., Any]) -> None:
    for viewer in (owner, users[Role.OFFICE]):
        body = profile(api(viewer), company)
        assert body["full"] is True
        statuses = {r["id"]: r["status"] for r in body["records"]}
        assert statuses[story["gone"].pk] == "withdrawn"
        gone = next(r for r in body["records"] if r["id"] == story["gone"].pk)
        assert gone["publicity_ended_on"] == today().isoformat()
        assert gone["publicity_ended_why"] == "记录撤销"
        lists = {(m["code"], m["record_id"]): m for m in body["lists"]}
        assert lists[("watch", story["watched"].pk)]["active"] is True
        ended = lists[("joint_punishment", story["gone"].pk)]
        assert ended["active"] is False and ended["exit_reason"] == "withdrawn"
        assert ended["exit_label"] == "记录撤销" and ended["ended_on"] == today().isoformat()


def test_a_department_sees_the_public_file_and_its_own_records(
        story: dict[str, Record], company: Subject, tc_dept: User, users: dict[str, User],
        api: Callable[..., Any]) -> None:
    own = profile(api(tc_dept), company)
    assert story["gone"].pk in {r["id"] for r in own["records"]}
    assert "watch" in {m["code"] for m in own["lists"]}
    other = profile(api(users[Role.DEPARTMENT]), company)  # a 马尾 unit
    assert story["gone"].pk not in {r["id"] for r in other["records"]}
    assert {m["code"] for m in other["lists"]} == {"joint_punishment"}


def test_the_profile_page_and_the_public_list_tell_the_same_story(
        story: dict[str, Record], company: Subject, owner: User, web: Callable[..., Any],
        client: Any) -> None:
    page = client.get(f"/subjects/{company.pk}/").content.decode()
    assert f'data-record="{story["listed"].pk}"' in page
    assert f'data-record="{story["gone"].pk}"' not in page
    assert 'data-list="joint_punishment" data-active="1"' in page and 'data-list="watch"' not in page
    # Commitments are built: their table, empty here, says so plainly; nothing is "尚未开通".
    assert 'data-testid="profile-commitments"' in page and "没有公示中的信用承诺" in page
    assert "尚未开通" not in page
    # On the joint-punishment list: grade D, for everyone to see, with its time.
    assert 'data-testid="grade-card"' in page and "D 类" in page and "计算于" in page
    mine = web(owner).get(f"/subjects/{company.pk}/").content.decode()
    assert f'data-record="{story["gone"].pk}" data-status="withdrawn"' in mine
    assert 'data-list="watch" data-active="1"' in mine and "不公开" in mine
    # The public list links the subject's credit file and the record's publicity page.
    listed = client.get("/lists/joint_punishment/").content.decode()
    assert f'href="/subjects/{company.pk}/"' in listed
    assert f'href="/records/{story["listed"].pk}/"' in listed
    item = client.get("/api/v1/lists/joint_punishment").json()["items"][0]
    assert item["record_id"] == story["listed"].pk
    assert item["subject_url"] == f"/subjects/{company.pk}/"


def test_a_persons_list_row_links_nowhere_public(
        loaded: Any, taicang_unit: Unit, person: Subject, client: Any) -> None:
    report(taicang_unit, person, "tc_wildlife_trade", "太农罚〔2026〕9号")
    item = client.get("/api/v1/lists/joint_punishment").json()["items"][0]
    assert item["subject_url"] is None and item["record_url"] is None
    assert f'href="/subjects/{person.pk}/"' not in client.get("/lists/joint_punishment/").content.decode()


def test_the_record_page_shows_when_publicity_and_membership_ended(
        story: dict[str, Record], tc_dept: User, users: dict[str, User],
        web: Callable[..., Any], api: Callable[..., Any]) -> None:
    gone = story["gone"]
    page = web(tc_dept).get(f"/records/{gone.pk}/").content.decode()
    # What was seen: dates shown as if running, a membership the public list no longer has.
    assert 'data-testid="publicity-ended"' in page and "记录撤销" in page
    assert 'data-list="joint_punishment" data-active="0"' in page
    assert 'data-active="1"' not in page
    body = api(tc_dept).get(f"/api/v1/records/{gone.pk}").json()
    assert body["publicity_ended_on"] == today().isoformat()
    assert [(m["code"], m["active"], m["exit_reason"]) for m in body["memberships"]] == [
        ("joint_punishment", False, "withdrawn")]
    # The non-public watch list: the unit sees it on its record, the public does not.
    watched = story["watched"]
    assert 'data-list="watch"' in web(tc_dept).get(f"/records/{watched.pk}/").content.decode()
    public = web().get(f"/records/{watched.pk}/").content.decode()
    assert 'data-list="watch"' not in public
    assert api(None).get(f"/api/v1/records/{watched.pk}").json()["memberships"] == []


def test_the_units_record_list_shows_lists_as_they_stand(
        story: dict[str, Record], tc_dept: User, web: Callable[..., Any]) -> None:
    page = web(tc_dept).get("/records/").content.decode()
    row = {name: page.split(f'href="/records/{story[name].pk}/"')[1].split("</tr>")[0]
           for name in ("listed", "gone")}
    assert "联合惩戒对象名单" in row["listed"]
    assert "已移出" in row["gone"] and "联合惩戒对象名单</td>" not in row["gone"]


def test_licences_are_in_the_credit_file(unit: Unit, users: dict[str, User],
                                         api: Callable[..., Any], web: Callable[..., Any]) -> None:
    from xinyong.conftest_helpers import licence_submission as licence
    from xinyong.licences import services as licences

    kept, _ = licences.submit(unit, licence())
    gone, _ = licences.submit(unit, licence(decision_no="榕马市监许〔2026〕502号",
                                            licence_name="小餐饮登记证"))
    licences.withdraw(gone, "许可已撤销", actor=None)
    public = api().get(f"/api/v1/subjects/{kept.subject_id}").json()
    assert [entry["id"] for entry in public["licences"]] == [kept.pk]
    assert public["licences"][0]["kind"] == "普通" and not public["records"]
    office = api(users[Role.OFFICE]).get(f"/api/v1/subjects/{kept.subject_id}").json()
    assert {entry["status"] for entry in office["licences"]} == {"valid", "withdrawn"}
    page = web().get(f"/subjects/{kept.subject_id}/").content.decode()
    assert "食品经营许可证" in page and "小餐饮登记证" not in page
