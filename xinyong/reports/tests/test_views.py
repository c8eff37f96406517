"""The pages: the subject's own reports, the office's desk and log, public verification."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from xinyong.accounts.models import Role, User
from xinyong.reports import services
from xinyong.reports.models import Report
from xinyong.subjects.models import Subject


def test_the_subject_downloads_from_its_page(
        history: dict[str, Any], organization: Subject, owner: User, web: Callable[..., Any]) -> None:
    client = web(owner)
    page = client.get("/reports/mine/")
    assert page.status_code == 200 and "获取取件码" in page.content.decode()
    response = client.post("/reports/mine/", {"version": "full"})
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    report = Report.objects.get(number=response["X-Report-Number"])
    assert (report.channel, report.version) == ("web", "full")
    log = client.get("/reports/mine/").content.decode()
    assert report.number in log
    # The credit file links to it.
    assert 'data-testid="report-link"' in client.get(f"/subjects/{organization.pk}/").content.decode()


def test_who_may_open_the_pages(users: dict[str, User], web: Callable[..., Any], loaded: Any) -> None:
    assert web(users[Role.DEPARTMENT]).get("/reports/mine/").status_code == 403
    assert web(users[Role.SUBJECT]).get("/reports/").status_code == 403
    assert web(users[Role.INSTITUTION]).get("/reports/").status_code == 403
    assert web(None).get("/reports/mine/").status_code == 302
    assert web(None).get("/reports/verify/").status_code == 200


def test_the_office_issues_with_a_purpose_and_errors_name_the_field(
        organization: Subject, office: User, web: Callable[..., Any], loaded: Any) -> None:
    client = web(office)
    prefilled = client.get(f"/reports/?subject={organization.pk}").content.decode()
    assert organization.code in prefilled
    bad = client.post("/reports/", {"code": "91350105MA2Y00001X", "version": "public", "purpose": ""})
    errors = bad.content.decode()
    assert 'data-error-for="code"' in errors and 'data-error-for="purpose"' in errors
    unknown = client.post("/reports/", {"code": "91350100M000100Y43", "version": "public",
                                         "purpose": "审核"}).content.decode()
    assert "平台上没有该代码的信用主体" in unknown
    response = client.post("/reports/", {"code": organization.code, "version": "public",
                                         "purpose": "政府采购资格审查"})
    report = Report.objects.get(number=response["X-Report-Number"])
    assert (report.channel, report.purpose, report.requested_by) == ("office", "政府采购资格审查", office)
    log = client.get("/reports/?q=政府采购").content.decode()
    assert report.number in log and "政府采购资格审查" in log


def test_verification_by_number_and_by_file(
        organization: Subject, owner: User, web: Callable[..., Any], loaded: Any) -> None:
    issued = services.issue(organization, requester=owner)
    client = web(None)
    found = client.get("/reports/verify/", {"number": issued.report.number.lower()})
    assert found.status_code == 302 and found["Location"] == f"/reports/verify/{issued.report.number}/"
    page = client.get(found["Location"]).content.decode()
    assert 'data-verdict="genuine"' in page and organization.name in page
    wrong = client.get("/reports/verify/", {"number": "123"}).content.decode()
    assert 'data-error-for="number"' in wrong
    assert client.get("/reports/verify/20260101ABCDEFGHJKMNPQ/").status_code == 404
    genuine = client.post("/reports/verify/", {"file": SimpleUploadedFile("r.pdf", issued.pdf)})
    assert 'data-verdict="genuine"' in genuine.content.decode()
    forged = issued.pdf.replace(b"%%EOF", b"%%EOF\n%changed")
    altered = client.post("/reports/verify/", {"file": SimpleUploadedFile("r.pdf", forged)})
    assert 'data-verdict="altered"' in altered.content.decode()
    missing = client.post("/reports/verify/", {})
    assert missing.status_code == 422 and 'data-error-for="file"' in missing.content.decode()


def test_the_office_revokes_on_the_report_page(
        organization: Subject, owner: User, office: User, web: Callable[..., Any], loaded: Any) -> None:
    issued = services.issue(organization, requester=owner)
    url = f"/reports/{issued.report.number}/"
    assert web(owner).get(url).status_code == 200  # the subject sees its own log entry
    assert 'data-testid="revoke-form"' not in web(owner).get(url).content.decode()
    assert web(owner).post(url + "revoke/", {"reason": "x"}).status_code == 403
    client = web(office)
    empty = client.post(url + "revoke/", {"reason": ""})
    assert empty.status_code == 422 and 'data-error-for="reason"' in empty.content.decode()
    done = client.post(url + "revoke/", {"reason": "主体名称已变更"}, follow=True)
    assert 'data-verdict="revoked"' in done.content.decode()
    public = web(None).get(f"/reports/verify/{issued.report.number}/").content.decode()
    assert 'data-verdict="revoked"' in public and "主体名称已变更" in public
