"""Verification (报告核验): by number and by file; a changed byte, a revoked report, an
expired one, a number never issued, a stored hash changed behind the platform's back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from xinyong.accounts.models import User
from xinyong.audit.models import AuditEvent
from xinyong.reports import services
from xinyong.reports.models import NUMBER_RE, Report
from xinyong.subjects.models import Subject


def upload(client: Any, data: bytes) -> dict[str, Any]:
    response = client.post("/api/v1/reports/verify",
                           {"file": SimpleUploadedFile("报告.pdf", data, "application/pdf")})
    assert response.status_code == 200, response.content
    return response.json()  # type: ignore[no-any-return]


def test_numbers_are_22_characters_unique_and_unguessable(
        organization: Subject, owner: User, loaded: Any) -> None:
    numbers = {services.issue(organization, requester=owner).report.number for _ in range(3)}
    assert len(numbers) == 3
    for number in numbers:
        assert len(number) == 22 and NUMBER_RE.fullmatch(number)
        assert number.startswith(dt.date.today().strftime("%Y%m%d"))
    # 14 random characters of 32: two of them never share a long run.
    tails = [n[8:] for n in numbers]
    assert len({t[:6] for t in tails}) == 3


def test_the_issued_file_is_genuine_and_a_changed_byte_is_caught(
        organization: Subject, owner: User, loaded: Any, api: Callable[..., Any]) -> None:
    issued = services.issue(organization, requester=owner)
    body = upload(api(), issued.pdf)
    assert (body["valid"], body["unaltered"], body["verdict"]) == (True, True, "genuine")
    assert body["number"] == issued.report.number
    assert body["subject_name"] == organization.name
    # One byte changed inside the page content: the number is real, the file is not it.
    forged = bytearray(issued.pdf)
    at = issued.pdf.index(b"stream", len(issued.pdf) // 2) + 20
    forged[at] ^= 0x01
    body = upload(api(), bytes(forged))
    assert (body["number"], body["unaltered"], body["verdict"]) == (
        issued.report.number, False, "altered")
    assert "不一致" in body["detail"]


def test_a_file_that_is_no_report_is_unknown(api: Callable[..., Any], db: Any) -> None:
    body = upload(api(), b"%PDF-1.4 not really")
    assert (body["valid"], body["unaltered"], body["number"], body["verdict"]) == (
        False, False, None, "unknown")
    response = api().post("/api/v1/reports/verify", {})
    assert response.status_code == 422 and response.json()["errors"][0]["loc"] == ["file"]


def test_by_number_says_whose_and_when_and_never_more(
        organization: Subject, owner: User, loaded: Any, api: Callable[..., Any]) -> None:
    issued = services.issue(organization, requester=owner)
    body = api().get(f"/api/v1/reports/{issued.report.number}").json()
    assert body["valid"] is True and body["subject_name"] == organization.name
    assert body["sha256"] == issued.report.sha256
    assert dt.datetime.fromisoformat(body["issued_at"]) == issued.report.issued_at
    # Typed with spaces and in lower case, with O for 0: still found.
    typed = " ".join([issued.report.number[:8], issued.report.number[8:].lower()])
    assert api().get(f"/api/v1/reports/{typed}").status_code == 200
    assert api().get("/api/v1/reports/20260101ABCDEFGHJKMNPQ").status_code == 404
    assert api().get("/api/v1/reports/nonsense").json()["detail"]


def test_a_persons_name_is_masked_on_verification(
        person_history: Any, person: Subject, person_user: User, api: Callable[..., Any]) -> None:
    issued = services.issue(person, requester=person_user)
    body = api().get(f"/api/v1/reports/{issued.report.number}").json()
    assert body["subject_name"] == "张*" and body["code_masked"] == person.code_masked


def test_a_revoked_report_says_so(
        organization: Subject, owner: User, office: User, loaded: Any, api: Callable[..., Any]) -> None:
    issued = services.issue(organization, requester=owner)
    number = issued.report.number
    refused = api(owner).post_json(f"/api/v1/reports/{number}/revoke", {"reason": "不想要了"})
    assert refused.status_code == 403
    empty = api(office).post_json(f"/api/v1/reports/{number}/revoke", {"reason": "  "})
    assert empty.status_code == 422 and empty.json()["errors"][0]["loc"] == ["reason"]
    done = api(office).post_json(f"/api/v1/reports/{number}/revoke", {"reason": "记录已更正，报告内容有误"})
    assert done.status_code == 200 and done.json()["revoked"] is True
    body = upload(api(), issued.pdf)
    assert (body["valid"], body["unaltered"], body["verdict"]) == (False, True, "revoked")
    assert body["revoke_reason"] == "记录已更正，报告内容有误"
    assert api().get(f"/api/v1/reports/{number}").json()["valid"] is False
    again = api(office).post_json(f"/api/v1/reports/{number}/revoke", {"reason": "再撤一次"})
    assert again.status_code == 409
    assert AuditEvent.objects.filter(action="report.revoke", object_id=str(issued.report.pk)).count() == 1


def test_an_expired_report_is_genuine_but_no_longer_valid(
        organization: Subject, owner: User, loaded: Any, api: Callable[..., Any]) -> None:
    issued = services.issue(organization, requester=owner)
    Report.objects.filter(pk=issued.report.pk).update(valid_until=dt.date.today() - dt.timedelta(days=1))
    body = upload(api(), issued.pdf)
    assert (body["valid"], body["unaltered"], body["verdict"]) == (False, True, "expired")


def test_a_hash_changed_in_the_database_fails_the_signature(
        organization: Subject, owner: User, loaded: Any, api: Callable[..., Any]) -> None:
    # Someone with database access swaps in the hash of a forged file: the platform's
    # signature over the hash no longer checks out.
    issued = services.issue(organization, requester=owner)
    forged = issued.pdf.replace(b"%%EOF", b"%%EOF\n%forged")
    import hashlib

    Report.objects.filter(pk=issued.report.pk).update(sha256=hashlib.sha256(forged).hexdigest())
    body = upload(api(), forged)
    assert (body["valid"], body["unaltered"], body["verdict"]) == (False, False, "altered")
