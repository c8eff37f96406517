"""The pages: the exporter applies on a form with files (kept when the form comes back),
lands on the receipt, follows the case; the office works from the queue, issues on the
case page after a confirmation; the PDF download is audited; statistics; all in Chinese."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from xinyong.accounts.models import Role, User
from xinyong.audit.models import AuditEvent
from xinyong.certificates import choices
from xinyong.certificates.models import Certificate
from xinyong.front.tests.walk import english_words
from xinyong.policies import events

PDF = b"%PDF-1.4\n%test\n"
FORM = {"contract_no": "TC-EX-2020-017", "contract_date": "2020-01-06", "goods": "医用口罩",
        "counterparty": "Müller Medizintechnik GmbH", "counterparty_region": "德国",
        "event": "新冠肺炎疫情防控：延迟复工", "facts": "按政府通知延迟复工，原定船期取消。"}


def html(response: Any) -> str:
    return response.content.decode()


def english(page: str, user: User) -> set[str]:
    """English words a person reads on the page, but the test user's own login name."""
    return english_words(page) - {user.username}


def test_apply_with_files_then_issue(exporter: User, office: User, web: Callable[..., Client]) -> None:
    applicant = web(exporter)
    form = applicant.get("/force-majeure/apply/")
    assert form.status_code == 200 and 'data-testid="limits"' in html(form)
    assert "运输取消" in html(form) and not english(html(form), exporter)
    # One file refused (not a PDF), one kept for the next try, a field missing.
    back = applicant.post("/force-majeure/apply/", {
        **FORM, "facts": "", "evidence": [SimpleUploadedFile("运输取消通知.pdf", PDF),
                                          SimpleUploadedFile("病毒.exe", b"MZ")]})
    assert back.status_code == 422
    tokens = re.findall(r'name="pending" value="([^"]+)"', html(back))
    assert len(tokens) == 1 and 'data-pending="运输取消通知.pdf"' in html(back)
    assert 'data-error-for="facts"' in html(back)
    done = applicant.post("/force-majeure/apply/", {
        **FORM, "pending": tokens, "evidence": [SimpleUploadedFile("出口合同.pdf", PDF)]})
    cert = Certificate.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/force-majeure/{cert.pk}/receipt/"
    assert sorted(cert.files.values_list("name", flat=True)) == ["出口合同.pdf", "运输取消通知.pdf"]
    receipt = html(applicant.get(done["Location"]))
    assert cert.query_code in receipt and "TC-EX-2020-017" in receipt
    assert not english(receipt, exporter), english(receipt, exporter)
    mine = html(applicant.get("/force-majeure/mine/"))
    assert cert.query_code in mine and not english(mine, exporter)

    officer = web(office)
    queue = html(officer.get("/force-majeure/"))
    assert cert.query_code in queue and "Müller" in queue and not english(queue, office)
    page = html(officer.get(f"/force-majeure/{cert.pk}/"))
    assert 'data-testid="decide-form"' in page and "confirm(" in page
    assert "证明不能撤回或修改" in page and not english(page, office)
    assert "take-over-form" not in page  # the office's own case: nothing to take over
    issued = officer.post(f"/force-majeure/{cert.pk}/", {
        "action": "decide", "decide-decision": "issue", "decide-reason": "材料属实"})
    assert issued.status_code == 302
    cert.refresh_from_db()
    assert cert.status == choices.ISSUED and cert.number
    page = html(applicant.get(f"/force-majeure/{cert.pk}/"))
    assert f"/force-majeure/{cert.pk}/pdf/" in page and cert.number in page
    download = applicant.get(f"/force-majeure/{cert.pk}/pdf/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert download["Cache-Control"] == "private, no-store"
    assert AuditEvent.objects.filter(action="certificate.pdf_download", actor=exporter).count() == 1
    assert officer.get(f"/force-majeure/{cert.pk}/pdf/").status_code == 200
    # A file lost from storage: a plain 404, no download audited, and the number still verifies.
    Path(cert.pdf.path).unlink()
    assert applicant.get(f"/force-majeure/{cert.pk}/pdf/").status_code == 404
    assert AuditEvent.objects.filter(action="certificate.pdf_download").count() == 2
    assert web().get(f"/api/v1/force-majeure/certificates/{cert.number}").json()["valid"] is True
    public = html(web().get(f"/force-majeure/track/{cert.query_code}/"))
    assert "已出具" in public and "船期" not in public


def test_a_refusal_needs_a_reason_on_the_page(apply: Callable[..., Certificate], office: User,
                                              web: Callable[..., Client]) -> None:
    cert = apply()
    page = web(office).post(f"/force-majeure/{cert.pk}/", {"action": "decide", "decide-decision": "refuse"})
    assert page.status_code == 422 and 'data-error-for="reason"' in html(page)
    assert web(office).get(f"/force-majeure/{cert.pk}/pdf/").status_code == 404  # not issued


def test_the_form_says_when_the_service_is_not_offered(exporter: User, person_user: User,
                                                       web: Callable[..., Client]) -> None:
    assert 'data-testid="not-eligible"' in html(web(person_user).get("/force-majeure/apply/"))
    events.record_event("jiangsu_epidemic_response_end", timezone.localdate() - dt.timedelta(days=1))
    applicant = web(exporter)
    page = html(applicant.get("/force-majeure/apply/"))
    assert 'data-testid="not-offered"' in page and "apply-form" not in page
    posted = applicant.post("/force-majeure/apply/", FORM)
    assert posted.status_code == 422 and "不提供不可抗力事实性证明" in html(posted)
    assert not Certificate.objects.exists()
    assert 'data-testid="not-offered"' in html(applicant.get("/force-majeure/mine/"))


def test_other_subjects_and_units_see_nothing(issued: Certificate, make_user: Callable[..., User],
                                              users: dict[str, User], web: Callable[..., Client]) -> None:
    from conftest import ORG2_CODE
    from xinyong.subjects.models import get_or_create_subject

    other = get_or_create_subject("organization", ORG2_CODE, "另一家贸易有限公司")[0]
    stranger = make_user("stranger", Role.SUBJECT, subject=other)
    for user in (stranger, users[Role.DEPARTMENT]):
        assert web(user).get(f"/force-majeure/{issued.pk}/").status_code == 404
        assert web(user).get(f"/force-majeure/{issued.pk}/pdf/").status_code == 404


def test_statistics_page(issued: Certificate, apply: Callable[..., Certificate], office: User,
                         web: Callable[..., Client]) -> None:
    apply(contract_no="TC-2")
    page = web(office).get("/force-majeure/stats/")
    text = html(page)
    assert page.status_code == 200 and not english(text, office)
    assert 'data-stat="applied">2<' in text and 'data-stat="issued">1<' in text
    assert 'data-stat="open">1<' in text and 'data-stat="median_days">2<' in text
    assert "/force-majeure/stats/" in html(web(office).get("/force-majeure/"))
