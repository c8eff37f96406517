"""POST /api/v1/subjects/lookup and GET /api/v1/subjects/{id} (and their web pages) as each
role: who sees a person's full ID number, masking, and the audit trail of persons' data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from conftest import IB_CODE, ORG_CODE, PERSON2_CODE, PERSON_CODE, ApiClient
from xinyong.accounts.models import Role, User
from xinyong.audit.models import AuditEvent
from xinyong.subjects.models import Subject, get_or_create_subject

LOOKUP = "/api/v1/subjects/lookup"
MASKED = "110105********002X"
ROLES = [Role.OFFICE, Role.DEPARTMENT, Role.SUBJECT, Role.INSTITUTION]


def profile_url(subject: Subject) -> str:
    return f"/api/v1/subjects/{subject.pk}"


def audit_text() -> str:
    """Everything the audit log holds, as text."""
    return "\n".join(
        f"{e.actor_label} {e.action} {e.object_type} {e.object_id} {e.summary} {e.detail} "
        f"{e.ip} {e.via}" for e in AuditEvent.objects.all()
    )


# Look-up


@pytest.mark.parametrize("role", [None, *ROLES])
def test_anyone_looks_up_an_organization(
    users: dict[str, User], api: Callable[..., ApiClient], organization: Subject,
    role: str | None,
) -> None:
    response = api(users[role] if role else None).post_json(LOOKUP, {"code": ORG_CODE})
    assert response.status_code == 200
    assert response.json() == {"id": organization.pk, "kind": "organization",
                               "name": "福州马尾康宁医疗器械有限公司", "code_masked": ORG_CODE}
    assert not AuditEvent.objects.filter(action="subject.lookup").exists()


def test_individual_business_kind(db: Any, api: Callable[..., ApiClient]) -> None:
    get_or_create_subject("individual_business", IB_CODE, "马尾区老陈药店")
    body = api().post_json(LOOKUP, {"code": IB_CODE}).json()
    assert body["kind"] == "individual_business" and body["code_masked"] == IB_CODE


def test_codes_are_normalized(
    users: dict[str, User], api: Callable[..., ApiClient], organization: Subject, person: Subject
) -> None:
    assert api().post_json(LOOKUP, {"code": " 91350105ma2y00001r "}).json()["id"] == (
        organization.pk)
    office = api(users[Role.OFFICE])
    assert office.post_json(LOOKUP, {"code": "110105 19491231 002x"}).json()["id"] == person.pk


@pytest.mark.parametrize("role", [Role.OFFICE, Role.DEPARTMENT])
def test_staff_look_up_a_person_masked(
    users: dict[str, User], api: Callable[..., ApiClient], person: Subject, role: str
) -> None:
    response = api(users[role]).post_json(LOOKUP, {"code": PERSON_CODE})
    assert response.status_code == 200
    assert response.json() == {"id": person.pk, "kind": "person", "name": "张三",
                               "code_masked": MASKED}
    assert PERSON_CODE not in response.content.decode()


@pytest.mark.parametrize("role", [None, Role.SUBJECT, Role.INSTITUTION])
def test_others_may_not_look_up_persons(
    users: dict[str, User], api: Callable[..., ApiClient], person: Subject, role: str | None
) -> None:
    response = api(users[role] if role else None).post_json(LOOKUP, {"code": PERSON_CODE})
    assert response.status_code == 403
    assert "信用办和成员单位" in response.json()["detail"]
    # The answer is the same whether or not the person is on file.
    other = api(users[role] if role else None).post_json(LOOKUP, {"code": PERSON2_CODE})
    assert other.status_code == 403 and other.json() == response.json()
    assert not AuditEvent.objects.filter(action="subject.lookup").exists()


def test_person_lookups_are_audited_with_actor_and_ip(
    users: dict[str, User], token_for: Callable[[User], str], person: Subject
) -> None:
    department = users[Role.DEPARTMENT]
    client = ApiClient(token_for(department))
    client.defaults["REMOTE_ADDR"] = "10.20.30.40"
    assert client.post_json(LOOKUP, {"code": PERSON_CODE}).status_code == 200
    assert client.post_json(LOOKUP, {"code": PERSON2_CODE}).status_code == 404
    found, missing = AuditEvent.objects.filter(action="subject.lookup").order_by("id")
    assert found.actor == department and found.actor_label == department.label
    assert found.ip == "10.20.30.40" and found.via == "api"
    assert (found.object_type, found.object_id) == ("subjects.subject", str(person.pk))
    assert found.detail == {"found": True} and MASKED in found.summary
    assert missing.detail == {"found": False} and missing.object_id == ""
    assert "440524********0014" in missing.summary
    text = audit_text()
    assert PERSON_CODE not in text and PERSON2_CODE not in text


def test_organization_lookups_are_not_audited_as_personal_data(
    users: dict[str, User], api: Callable[..., ApiClient], organization: Subject
) -> None:
    api(users[Role.OFFICE]).post_json(LOOKUP, {"code": ORG_CODE})
    assert not AuditEvent.objects.exists()


# Profile


@pytest.mark.parametrize("role", [None, *ROLES])
def test_organization_profile_is_public_with_full_code(
    users: dict[str, User], api: Callable[..., ApiClient], organization: Subject,
    role: str | None,
) -> None:
    response = api(users[role] if role else None).get(profile_url(organization))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == organization.pk and body["kind"] == "organization"
    assert body["code_masked"] == ORG_CODE and body["code"] == ORG_CODE
    # Nothing on file: empty lists are the truth here (test_profile.py fills them).
    assert body["records"] == [] and body["lists"] == []
    # Every part of the credit file is built (commitments/tests/test_public.py signs one).
    # No pack is loaded here, so no grade scheme is in force (scores/tests/test_api.py has
    # one); an enterprise has no points.
    assert body["score"] is None and body["grade"] is None and body["commitments"] == []
    assert body["not_yet_available"] == []
    assert not AuditEvent.objects.exists()


def test_office_sees_a_persons_full_code_and_is_audited(
    users: dict[str, User], api: Callable[..., ApiClient], person: Subject
) -> None:
    office = users[Role.OFFICE]
    response = api(office).get(profile_url(person))
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == PERSON_CODE and body["code_masked"] == MASKED
    event = AuditEvent.objects.get(action="subject.read_full")
    assert event.actor == office and event.ip == "127.0.0.1" and event.via == "api"
    assert event.object_id == str(person.pk) and MASKED in event.summary
    assert PERSON_CODE not in audit_text()


def test_the_person_sees_their_own_full_code(
    person_user: User, api: Callable[..., ApiClient], person: Subject
) -> None:
    body = api(person_user).get(profile_url(person)).json()
    assert body["code"] == PERSON_CODE and body["name"] == "张三"
    event = AuditEvent.objects.get(action="subject.read_full")
    assert event.actor == person_user
    # ... but not another person's profile.
    other = get_or_create_subject("person", PERSON2_CODE, "李四")[0]
    assert api(person_user).get(profile_url(other)).status_code == 404


def test_department_sees_a_person_masked_only(
    users: dict[str, User], api: Callable[..., ApiClient], person: Subject
) -> None:
    response = api(users[Role.DEPARTMENT]).get(profile_url(person))
    assert response.status_code == 200
    body = response.json()
    assert body["code"] is None and body["code_masked"] == MASKED
    assert PERSON_CODE not in response.content.decode()
    assert not AuditEvent.objects.filter(action="subject.read_full").exists()


@pytest.mark.parametrize("role", [None, Role.SUBJECT, Role.INSTITUTION])
def test_a_persons_profile_is_404_to_others(
    users: dict[str, User], api: Callable[..., ApiClient], person: Subject, role: str | None
) -> None:
    client = api(users[role] if role else None)
    response = client.get(profile_url(person))
    assert response.status_code == 404
    # Exactly what a subject that does not exist answers: no enumeration.
    assert response.json() == client.get("/api/v1/subjects/987654").json()


def test_audit_log_never_holds_the_full_id_number(
    users: dict[str, User], person_user: User, api: Callable[..., ApiClient], person: Subject,
    web: Callable[..., Client],
) -> None:
    for user in [*users.values(), person_user, None]:
        api(user).post_json(LOOKUP, {"code": PERSON_CODE})
        api(user).get(profile_url(person))
        web(user).get(f"/subjects/{person.pk}/")
    web(users[Role.OFFICE]).post("/subjects/search/", {"code": PERSON_CODE})
    assert AuditEvent.objects.filter(action="subject.read_full").count() >= 4
    assert AuditEvent.objects.filter(action="subject.lookup").count() >= 3
    assert PERSON_CODE not in audit_text()


# Web pages


def test_web_profile_masks_for_department_and_shows_kind(
    users: dict[str, User], web: Callable[..., Client], person: Subject
) -> None:
    html = web(users[Role.DEPARTMENT]).get(f"/subjects/{person.pk}/").content.decode()
    assert "张三" in html and MASKED in html and PERSON_CODE not in html
    assert "自然人" in html


def test_web_profile_full_for_office_and_audited_with_ip(
    users: dict[str, User], web: Callable[..., Client], person: Subject
) -> None:
    client = web(users[Role.OFFICE])
    html = client.get(f"/subjects/{person.pk}/", REMOTE_ADDR="192.0.2.7").content.decode()
    assert PERSON_CODE in html
    event = AuditEvent.objects.get(action="subject.read_full")
    assert event.actor == users[Role.OFFICE] and event.ip == "192.0.2.7" and event.via == "web"


@pytest.mark.parametrize("role", [None, Role.SUBJECT, Role.INSTITUTION])
def test_web_profile_of_a_person_is_404_to_others(
    users: dict[str, User], web: Callable[..., Client], person: Subject, role: str | None
) -> None:
    assert web(users[role] if role else None).get(f"/subjects/{person.pk}/").status_code == 404


def test_web_search_by_id_number_is_post_and_audited(
    users: dict[str, User], web: Callable[..., Client], person: Subject
) -> None:
    client = web(users[Role.DEPARTMENT])
    response = client.post("/subjects/search/", {"code": PERSON_CODE})
    html = response.content.decode()
    assert response.status_code == 200 and "张三" in html and MASKED in html
    assert PERSON_CODE not in html  # not even echoed back into the search box
    event = AuditEvent.objects.get(action="subject.lookup")
    assert event.actor == users[Role.DEPARTMENT] and event.via == "web"
    # A query string is ignored: an ID number must not travel in a URL.
    client.get(f"/subjects/search/?code={PERSON_CODE}")
    assert AuditEvent.objects.filter(action="subject.lookup").count() == 1


def test_web_search_says_what_is_wrong_with_a_code(
    users: dict[str, User], web: Callable[..., Client]
) -> None:
    html = web(users[Role.OFFICE]).post("/subjects/search/", {"code": "91350100M000100Y44"}
                                        ).content.decode()
    assert "统一社会信用代码校验位错误" in html and "is-invalid" in html


def test_web_search_finds_enterprises_by_name_for_everyone_and_persons_for_staff_only(
    users: dict[str, User], web: Callable[..., Client], organization: Subject, person: Subject
) -> None:
    for who in (None, users[Role.INSTITUTION], users[Role.SUBJECT], users[Role.OFFICE]):
        client = web(who)
        assert client.get("/subjects/search/").status_code == 200
        html = client.post("/subjects/search/", {"code": organization.name[2:6]}).content.decode()
        assert f'href="/subjects/{organization.pk}/"' in html, who
        # Never a person by name, whoever asks.
        html = client.post("/subjects/search/", {"code": person.name}).content.decode()
        assert f'href="/subjects/{person.pk}/"' not in html and "没有找到" in html, who
    for who in (None, users[Role.INSTITUTION], users[Role.SUBJECT]):
        html = web(who).post("/subjects/search/", {"code": PERSON_CODE}).content.decode()
        assert "不提供按身份证号码查询自然人" in html and person.name not in html, who
    assert not AuditEvent.objects.filter(action="subject.lookup").exists()
