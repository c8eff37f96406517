"""The contract: POST /api/v1/grants (subject) {institution, scope, purpose, expires_on} →
201 {id}; DELETE /api/v1/grants/{id} revokes. Without a live grant an institution sees a
subject as the public does (a person not at all); under one, GET /api/v1/subjects/{id}
gives the credit file within the grant's scope (records of every status); every read
under a grant is audited and shown to the subject."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from conftest import BANK_CODE
from xinyong.accounts.models import Institution, Role, User
from xinyong.audit.models import AuditEvent
from xinyong.grants import services
from xinyong.grants.models import Grant, GrantRead
from xinyong.lib.dates import add_months
from xinyong.lib.errors import DomainError

from .conftest import TODAY

URL = "/api/v1/grants"


@pytest.fixture
def zhang(make_user: Callable[..., User], person_file: dict[str, Any]) -> User:
    return make_user("zhangsan", Role.SUBJECT, subject=person_file["subject"])


def grant_body(**changes: Any) -> dict[str, Any]:
    return {"institution": BANK_CODE, "scope": ["profile", "records", "score", "report"],
            "purpose": "申请个人经营贷款", **changes}


def test_lifecycle_granted_used_revoked(zhang: User, bank: User, person_file: dict[str, Any],
                                        api: Callable[..., Any]) -> None:
    person = person_file["subject"]
    profile = f"/api/v1/subjects/{person.pk}"
    # No grant: a person is not there at all for the bank, nor can it have a report.
    assert api(bank).get(profile).status_code == 404
    assert api(bank).get(f"{profile}/report").status_code == 404
    made = api(zhang).post_json(URL, grant_body())
    assert made.status_code == 201, made.content
    grant_id = made.json()["id"]
    assert made.json()["expires_on"] == add_months(TODAY, 12).isoformat()  # the pack's maximum
    # Used: the whole file, records of every status, the full ID number.
    seen = api(bank).get(profile)
    assert seen.status_code == 200, seen.content
    body = seen.json()
    statuses = {r["id"]: r["status"] for r in body["records"]}
    assert statuses == {person_file["shown"].pk: "published", person_file["hidden"].pk: "withdrawn"}
    assert body["code"] == person.full_code() and body["full"] is True
    assert body["grant"]["id"] == grant_id
    assert body["grant"]["scope"] == ["profile", "records", "score", "report"]
    report = api(bank).get(f"{profile}/report?version=full")
    assert report.status_code == 200 and report["Content-Type"] == "application/pdf"
    # The subject sees every read, by whom and what.
    detail = api(zhang).get(f"{URL}/{grant_id}").json()
    assert detail["reads"] == 2
    parts = sorted(tuple(r["parts"]) for r in detail["recent_reads"])
    assert parts == [("profile", "records", "score"), ("report",)]
    assert {r["channel"] for r in detail["recent_reads"]} == {"api"}
    assert AuditEvent.objects.filter(action="grant.read").count() == 2
    # Revoked: the next read is as without a grant, and the report is refused (403).
    gone = api(zhang).delete(f"{URL}/{grant_id}")
    assert gone.status_code == 200 and gone.json()["state"] == "revoked"
    assert api(bank).get(profile).status_code == 404
    assert api(bank).get(f"{profile}/report").status_code == 404
    assert GrantRead.objects.count() == 2
    again = api(zhang).delete(f"{URL}/{grant_id}")
    assert again.status_code == 409


def test_a_revoked_grant_refuses_the_report_of_an_enterprise(
        users: dict[str, User], bank: User, loaded: Any, api: Callable[..., Any]) -> None:
    carol = users[Role.SUBJECT]
    url = f"/api/v1/subjects/{carol.subject_id}/report"
    refused = api(bank).get(url)
    assert refused.status_code == 403 and "授权" in refused.json()["detail"]
    made = api(carol).post_json(URL, grant_body(scope=["report"])).json()
    assert api(bank).get(url).status_code == 200
    api(carol).delete(f"{URL}/{made['id']}")
    assert api(bank).get(url).status_code == 403


def test_an_expired_grant_reads_as_none(zhang: User, bank: User, person_file: dict[str, Any],
                                        api: Callable[..., Any]) -> None:
    person = person_file["subject"]
    past = TODAY - dt.timedelta(days=400)
    old = services.grant(zhang, BANK_CODE, ["profile", "records"], "去年的贷款",
                         past + dt.timedelta(days=30), today=past)
    assert old.state(TODAY) == "expired" and services.live_grant(bank, person) is None
    assert api(bank).get(f"/api/v1/subjects/{person.pk}").status_code == 404
    listed = api(zhang).get(f"{URL}?state=ended").json()
    assert [g["id"] for g in listed["items"]] == [old.pk]
    assert listed["items"][0]["state_label"] == "已到期"


@pytest.mark.parametrize(("scope", "records_seen", "code_seen", "score_seen"), [
    (["profile"], {"published"}, True, False),
    (["records"], {"published", "withdrawn"}, False, False),
    (["score"], {"published"}, False, True),
])
def test_scope_is_enforced_per_field(zhang: User, bank: User, person_file: dict[str, Any],
                                     api: Callable[..., Any], scope: list[str],
                                     records_seen: set[str], code_seen: bool, score_seen: bool) -> None:
    from xinyong.scores.refresh import refresh

    refresh()
    person = person_file["subject"]
    api(zhang).post_json(URL, grant_body(scope=scope))
    body = api(bank).get(f"/api/v1/subjects/{person.pk}").json()
    assert {r["status"] for r in body["records"]} == records_seen
    assert (body["code"] == person.full_code()) is code_seen
    assert (body["score"] is not None) is score_seen
    assert body["full"] is False
    # The report is its own part of the scope.
    assert api(bank).get(f"/api/v1/subjects/{person.pk}/report").status_code == 403
    read = GrantRead.objects.get()
    assert read.parts == scope and read.channel == "api"


def test_a_new_grant_supersedes_the_one_in_force(zhang: User, bank: User, person_file: Any,
                                                 api: Callable[..., Any]) -> None:
    first = api(zhang).post_json(URL, grant_body(scope=["profile"])).json()
    second = api(zhang).post_json(URL, grant_body(scope=["records"])).json()
    assert second["superseded"] == [first["id"]]
    states = dict(Grant.objects.values_list("pk", "revoked_at"))
    assert states[first["id"]] is not None and states[second["id"]] is None
    assert Grant.objects.get(pk=first["id"]).revoke_reason == f"已由新的授权 #{second['id']} 取代"


@pytest.mark.parametrize(("changes", "field", "says"), [
    ({"scope": ["everything"]}, "scope", "未知的授权范围"),
    ({"purpose": "  "}, "purpose", "用途"),
    ({"institution": "91350100MA2Y0BNK2L"}, "institution", "没有这个金融机构"),
    ({"expires_on": (TODAY - dt.timedelta(days=1)).isoformat()}, "expires_on", "不能早于今天"),
    ({"expires_on": (add_months(TODAY, 12) + dt.timedelta(days=1)).isoformat()}, "expires_on",
     "最长 12 个月"),
])
def test_refusals_name_the_field(zhang: User, api: Callable[..., Any], changes: dict[str, Any],
                                 field: str, says: str) -> None:
    refused = api(zhang).post_json(URL, grant_body(**changes))
    assert refused.status_code == 422, refused.content
    error = refused.json()["errors"][0]
    assert error["loc"][-1] == field and says in error["msg"]
    assert not Grant.objects.exists()


def test_a_deactivated_institution_cannot_be_granted(zhang: User, institution: Institution,
                                                     api: Callable[..., Any]) -> None:
    Institution.objects.filter(pk=institution.pk).update(is_active=False)
    refused = api(zhang).post_json(URL, grant_body())
    assert refused.status_code == 422 and "已停用" in refused.json()["errors"][0]["msg"]
    institution.refresh_from_db()
    with pytest.raises(DomainError) as given_as_object:
        services.grant(zhang, institution, ["profile"], "贷款")
    assert given_as_object.value.field == "institution"
    assert not Grant.objects.exists()


def test_who_may_grant_list_and_revoke(zhang: User, users: dict[str, User], bank: User,
                                       person_file: Any, api: Callable[..., Any],
                                       make_user: Callable[..., User],
                                       other_institution: Institution) -> None:
    made = api(zhang).post_json(URL, grant_body()).json()
    for role in (Role.OFFICE, Role.DEPARTMENT, Role.INSTITUTION):
        assert api(users[role]).post_json(URL, grant_body()).status_code == 403
    assert api(None).post_json(URL, grant_body()).status_code == 401
    # The institution sees grants made to it; another institution and another subject do not.
    other_bank = make_user("erin", Role.INSTITUTION, institution=other_institution)
    assert api(bank).get(URL).json()["total"] == 1
    assert api(other_bank).get(URL).json()["total"] == 0
    assert api(other_bank).get(f"{URL}/{made['id']}").status_code == 404
    assert api(users[Role.SUBJECT]).get(f"{URL}/{made['id']}").status_code == 404
    assert api(users[Role.OFFICE]).get(URL).json()["total"] == 1
    # Only the subject revokes.
    assert api(bank).delete(f"{URL}/{made['id']}").status_code == 403
    assert api(users[Role.SUBJECT]).delete(f"{URL}/{made['id']}").status_code == 404
    assert api(users[Role.DEPARTMENT]).get(URL).status_code == 403


def test_service_refuses_a_user_that_is_not_a_subject(bank: User, loaded: Any) -> None:
    with pytest.raises(DomainError) as refused:
        services.grant(bank, BANK_CODE, ["profile"], "x")
    assert refused.value.status == 403


def test_institutions_are_listed_for_choosing(institution: Institution, zhang: User,
                                              api: Callable[..., Any]) -> None:
    listed = api(None).get("/api/v1/institutions").json()
    assert [(i["code"], i["name"]) for i in listed] == [(BANK_CODE, "示例农商银行马尾支行")]
    # A client may name the institution by the id the list gives, as a number.
    made = api(zhang).post_json(URL, grant_body(institution=listed[0]["id"]))
    assert made.status_code == 201, made.content
    assert Grant.objects.get().institution_id == institution.pk
