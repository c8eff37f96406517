"""GET /api/v1/subjects/{id}/report: who gets which report, and the issue log."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from xinyong.accounts.models import Role, User
from xinyong.audit.models import AuditEvent
from xinyong.reports.models import Report
from xinyong.reports.tests.conftest import PERSON_CODE, pdf_text
from xinyong.subjects.models import Subject


def test_the_subject_downloads_its_own_report(
        history: dict[str, Any], organization: Subject, owner: User, api: Callable[..., Any]) -> None:
    # What was seen: this path answered 404.
    response = api(owner).get(f"/api/v1/subjects/{organization.pk}/report")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    number = response["X-Report-Number"]
    report = Report.objects.get(number=number)
    assert report.sha256 == hashlib.sha256(response.content).hexdigest()
    assert (report.channel, report.version, report.requested_by) == ("api", "public", owner)
    assert number in pdf_text(response.content)
    event = AuditEvent.objects.get(action="report.issue", object_id=str(report.pk))
    assert event.actor == owner and event.detail["channel"] == "api"


def test_a_full_version_on_request_and_a_bad_version_named(
        history: dict[str, Any], organization: Subject, owner: User, api: Callable[..., Any]) -> None:
    full = api(owner).get(f"/api/v1/subjects/{organization.pk}/report?version=full")
    assert full.status_code == 200
    assert Report.objects.get(number=full["X-Report-Number"]).version == "full"
    bad = api(owner).get(f"/api/v1/subjects/{organization.pk}/report?version=secret")
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["version"]


def test_the_office_states_a_purpose_which_is_logged(
        organization: Subject, office: User, api: Callable[..., Any], loaded: Any) -> None:
    missing = api(office).get(f"/api/v1/subjects/{organization.pk}/report")
    assert missing.status_code == 422 and missing.json()["errors"][0]["loc"] == ["purpose"]
    assert not Report.objects.exists()
    done = api(office).get(f"/api/v1/subjects/{organization.pk}/report?purpose=评优评先审核")
    report = Report.objects.get(number=done["X-Report-Number"])
    assert (report.channel, report.purpose) == ("office", "评优评先审核")
    event = AuditEvent.objects.get(action="report.issue")
    assert event.detail["purpose"] == "评优评先审核"


def test_a_persons_report_only_to_the_person_and_the_office(
        person_history: Any, person: Subject, person_user: User, office: User,
        users: dict[str, User], api: Callable[..., Any]) -> None:
    url = f"/api/v1/subjects/{person.pk}/report"
    own = api(person_user).get(url)
    assert own.status_code == 200
    assert PERSON_CODE.encode() not in own.content and person.code_masked in pdf_text(own.content)
    assert api(office).get(url + "?purpose=信用审查").status_code == 200
    assert api(users[Role.SUBJECT]).get(url).status_code == 404  # another subject's user
    assert api(users[Role.INSTITUTION]).get(url).status_code == 404
    assert api(users[Role.DEPARTMENT]).get(url).status_code == 403


def test_institutions_get_a_report_only_under_a_grant_with_that_scope(
        organization: Subject, users: dict[str, User], api: Callable[..., Any], loaded: Any) -> None:
    from xinyong.grants import services as grants

    bank, owner = users[Role.INSTITUTION], users[Role.SUBJECT]
    url = f"/api/v1/subjects/{organization.pk}/report?version=full"
    response = api(bank).get(url)
    assert response.status_code == 403 and "授权" in response.json()["detail"]
    grants.grant(owner, bank.institution, ["profile", "records"], "流动资金贷款")
    assert api(bank).get(url).status_code == 403  # the scope has no report
    grants.grant(owner, bank.institution, ["report"], "流动资金贷款")
    issued = api(bank).get(url)
    assert issued.status_code == 200 and issued["Content-Type"] == "application/pdf"
    report = Report.objects.get(number=issued["X-Report-Number"])
    assert report.requested_by == bank and report.version == "full"
    assert report.purpose.startswith("依授权 #") and report.purpose.endswith("流动资金贷款")


def test_the_issue_log_shows_a_subject_only_its_own(
        organization: Subject, person: Subject, owner: User, person_user: User, office: User,
        api: Callable[..., Any], loaded: Any) -> None:
    mine = api(owner).get(f"/api/v1/subjects/{organization.pk}/report")["X-Report-Number"]
    theirs = api(person_user).get(f"/api/v1/subjects/{person.pk}/report")["X-Report-Number"]
    assert [r["number"] for r in api(owner).get("/api/v1/reports").json()] == [mine]
    assert {r["number"] for r in api(office).get("/api/v1/reports").json()} == {mine, theirs}
    only = api(office).get(f"/api/v1/reports?subject_id={person.pk}").json()
    assert [r["number"] for r in only] == [theirs]


def test_a_missing_font_is_a_clear_503_and_leaves_nothing(
        organization: Subject, owner: User, api: Callable[..., Any], loaded: Any,
        settings: Any, tmp_path: Any) -> None:
    from django.core import checks

    from xinyong.reports import pdf

    settings.REPORT_FONT = str(tmp_path / "no-such-font.ttc")
    pdf.font_name.cache_clear()
    try:
        response = api(owner).get(f"/api/v1/subjects/{organization.pk}/report")
        assert response.status_code == 503 and "no-such-font.ttc" in response.json()["detail"]
        assert not Report.objects.exists()
        assert [m.id for m in checks.run_checks() if m.id.startswith("reports.")] == ["reports.W001"]
    finally:
        pdf.font_name.cache_clear()
