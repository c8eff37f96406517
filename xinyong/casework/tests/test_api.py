"""The endpoints every kind of case shares (casework.api.case_router), for every kind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from xinyong.accounts.models import Role, User
from xinyong.casework.models import Case
from xinyong.casework.tests.conftest import Kind

PDF = b"%PDF-1.4\n%test\n"


def field_errors(response: Any) -> dict[str, str]:
    return {".".join(str(p) for p in e["loc"]): e["msg"] for e in response.json().get("errors", [])}


def test_list_by_role_with_filters(kind: Kind, case: Case, users: dict[str, User],
                                   api: Callable[..., Any], make_user: Any, other_unit: Any) -> None:
    url = f"/api/v1/{kind.path}"
    for role in (Role.SUBJECT, Role.DEPARTMENT, Role.OFFICE):
        page = api(users[role]).get(url).json()
        assert [item["query_code"] for item in page["items"]] == [case.query_code], role
        assert page["total"] == 1 and page["page"] == 1
    stranger = make_user("other-dept", Role.DEPARTMENT, unit=other_unit)
    assert api(stranger).get(url).json()["total"] == 0
    assert api(users[Role.INSTITUTION]).get(url).status_code == 403
    office = api(users[Role.OFFICE])
    assert office.get(url, {"status": "open"}).json()["total"] == 1
    assert office.get(url, {"status": "closed"}).json()["total"] == 0
    assert office.get(url, {"status": "submitted"}).json()["total"] == 1
    assert office.get(url, {"overdue": "true"}).json()["total"] == 1  # submitted in August
    bad = office.get(url, {"status": "lost"})
    assert bad.status_code == 422 and "status" in field_errors(bad)


def test_accept_with_or_without_a_body_and_refusal(kind: Kind, case: Case, record: Any,
                                                   users: dict[str, User],
                                                   api: Callable[..., Any]) -> None:
    dept = api(users[Role.DEPARTMENT])
    url = f"/api/v1/{kind.path}/{case.pk}"
    no_reason = dept.post_json(f"{url}/accept", {"accept": False})
    assert no_reason.status_code == 422 and field_errors(no_reason) == {"reason": "不予受理须写明理由"}
    accepted = dept.post(f"{url}/accept", content_type="application/json")  # no body
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert dept.post_json(f"{url}/accept", {}).status_code == 409


def test_material_request_and_supply_with_files(kind: Kind, case: Case, users: dict[str, User],
                                                api: Callable[..., Any]) -> None:
    dept, applicant = api(users[Role.DEPARTMENT]), api(users[Role.SUBJECT])
    url = f"/api/v1/{kind.path}/{case.pk}"
    asked = dept.post_json(f"{url}/material-request", {"reason": "请补充缴款凭证"})
    assert asked.status_code == 200
    body = asked.json()
    assert body["status"] == "awaiting_material" and body["material_request"] == "请补充缴款凭证"
    assert body["overdue"] is False
    assert dept.post(f"{url}/material", {"note": "x"}).status_code == 403  # the applicant's step
    wrong = applicant.post(f"{url}/material", {"files": [SimpleUploadedFile("a.exe", b"MZ")]})
    assert wrong.status_code == 422 and "files" in field_errors(wrong)
    supplied = applicant.post(f"{url}/material", {
        "note": "已补充", "files": [SimpleUploadedFile("回单.pdf", PDF, "application/pdf")]})
    assert supplied.status_code == 200, supplied.content
    assert supplied.json()["status"] == "submitted"
    assert type(case).objects.get(pk=case.pk).files.count() == 1  # type: ignore[attr-defined]


def test_evidence_files_for_every_kind(kind: Kind, case: Case, users: dict[str, User],
                                       api: Callable[..., Any], web: Callable[..., Any]) -> None:
    applicant = api(users[Role.SUBJECT])
    url = f"/api/v1/{kind.path}/{case.pk}/evidence"
    fake = applicant.post(url, {"files": [SimpleUploadedFile("证明.pdf", b"not a pdf")]})
    assert fake.status_code == 422 and "内容不是PDF" in field_errors(fake)["files"]
    added = applicant.post(url, {"files": [SimpleUploadedFile("证明.pdf", PDF)]})
    assert added.status_code == 200
    item = type(case).objects.get(pk=case.pk).files.get()  # type: ignore[attr-defined]
    download = f"/{kind.path}/{case.pk}/evidence/{item.pk}/"
    for role in (Role.SUBJECT, Role.DEPARTMENT, Role.OFFICE):
        assert web(users[role]).get(download).status_code == 200, role
    assert web(users[Role.INSTITUTION]).get(download).status_code == 403
    assert api(users[Role.DEPARTMENT]).post(url, {"files": [SimpleUploadedFile("b.pdf", PDF)]}
                                            ).status_code == 403


def test_withdraw_and_take_over(kind: Kind, case: Case, record: Any, users: dict[str, User],
                                api: Callable[..., Any]) -> None:
    url = f"/api/v1/{kind.path}/{case.pk}"
    office = api(users[Role.OFFICE])
    # One limit for every reason: 2000 characters.
    long = office.post_json(f"{url}/take-over", {"reason": "x" * 2001})
    assert long.status_code == 422 and "reason" in field_errors(long)
    taken = office.post_json(f"{url}/take-over", {"reason": "x" * 2000})
    assert taken.status_code == 200 and taken.json()["taken_over"] is True
    # From now on the office handles the case: `unit` names it, for every party.
    assert taken.json()["unit"] == "信用办"
    for role in (Role.SUBJECT, Role.DEPARTMENT, Role.OFFICE):
        assert api(users[role]).get(url).json()["unit"] == "信用办", role
    withdrawn = api(users[Role.SUBJECT]).post(f"{url}/withdraw", content_type="application/json")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert api(users[Role.SUBJECT]).post_json(f"{url}/withdraw", {}).status_code == 409


def test_public_progress_has_no_free_text(kind: Kind, case: Case, users: dict[str, User],
                                         api: Callable[..., Any], client: Any) -> None:
    url = f"/api/v1/{kind.path}/{case.pk}"
    api(users[Role.DEPARTMENT]).post_json(f"{url}/material-request", {"reason": "请补充王五的签字页"})
    public = client.get(f"/api/v1/{kind.path}/by-code/{case.query_code}")
    assert public.status_code == 200
    assert "王五" not in public.text and users[Role.SUBJECT].subject.name not in public.text
    notes = [s["note"] for s in public.json()["timeline"]]
    assert notes[-1] == "办理期限自即日起暂停计算，申请人补正后继续计算"
    own = api(users[Role.SUBJECT]).get(url).json()["timeline"][-1]["note"]
    assert "请补充王五的签字页" in own  # the parties see the free text
    assert client.get(f"/api/v1/{kind.path}/by-code/NOSUCHCODE").status_code == 404
    # A code of another kind: 404 here, saying which kind it is and where to ask.
    from xinyong.casework.tests.conftest import KINDS

    for other in (k for k in KINDS.values() if k.name != kind.name):
        elsewhere = client.get(f"/api/v1/{other.path}/by-code/{case.query_code}")
        assert elsewhere.status_code == 404
        assert f"是{case.NOUN}的查询码" in elsewhere.json()["detail"]
        assert f"/api/v1/{kind.path}/by-code/{case.query_code}" in elsewhere.json()["detail"]
