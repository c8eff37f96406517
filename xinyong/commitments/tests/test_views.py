"""The subject's pages: choose a template, see the letter filled in, confirm, land on the
signed letter with its PDF; the unit's forms on the commitment page; statistics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from xinyong.accounts.models import Unit, User
from xinyong.audit.models import AuditEvent
from xinyong.commitments import services
from xinyong.commitments.models import Commitment


def test_sign_preview_confirm_and_download(owner: User, unit: Unit, web: Callable[..., Any]) -> None:
    browser = web(owner)
    start = browser.get("/commitments/sign/?template=fz_work_resumption").content.decode()
    assert "复工复产信用承诺书（告知承诺）" in start and "{主体名称}" in start
    # The letters of the subject's registration area (its USCC says 马尾区) come first; the
    # 太仓 ones stay signable under their own heading. Units are named with their area.
    here, elsewhere = start.index("适用于本主体登记地"), start.index("其他地区的承诺书")
    fuzhou, taicang = start.index('value="fz_work_resumption"'), start.index('value="tc_work_resumption"')
    assert here < fuzhou < elsewhere < taicang
    assert "市场监督管理局（" in start
    fields = {"template": "fz_work_resumption", "matter": "复工复产备案", "accepting_unit": str(unit.pk)}
    missing = browser.post("/commitments/sign/", {**fields, "matter": "", "action": "preview"})
    assert missing.status_code == 422 and 'data-error-for="matter"' in missing.content.decode()
    preview = browser.post("/commitments/sign/", {**fields, "action": "preview"}).content.decode()
    assert 'data-testid="preview"' in preview and "就“复工复产备案”向市场监督管理局申请办理" in preview
    assert 'data-confirm="确定以本主体名义签署' in preview and not Commitment.objects.exists()
    done = browser.post("/commitments/sign/", {**fields, "action": "confirm"})
    c = Commitment.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/commitments/{c.pk}/"
    page = browser.get(done["Location"]).content.decode()
    assert c.number in page and 'data-testid="pdf-link"' in page
    pdf = browser.get(f"/commitments/{c.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="commitment.download", object_id=str(c.pk)).exists()
    assert c.number in browser.get("/commitments/mine/").content.decode()
    # The public sees the page, not the PDF.
    assert web(None).get(f"/commitments/{c.pk}/pdf/").status_code == 302


def test_the_department_approves_and_verifies_on_the_page(
        resumption: Callable[..., Commitment], dept: User, web: Callable[..., Any]) -> None:
    c = resumption()
    browser = web(dept)
    page = browser.get(f"/commitments/{c.pk}/").content.decode()
    assert 'data-testid="approval-form"' in page and 'data-testid="verify-form"' in page
    today = timezone.localdate().isoformat()
    bad = browser.post(f"/commitments/{c.pk}/", {"action": "approval", "approval_no": "",
                                                 "approved_on": today, "materials_replaced": "方案"})
    assert bad.status_code == 422 and 'data-error-for="approval_no"' in bad.content.decode()
    ok = browser.post(f"/commitments/{c.pk}/", {"action": "approval", "approval_no": "榕马复工〔2026〕9号",
                                                "approved_on": today, "materials_replaced": "方案"})
    assert ok.status_code == 302
    done = browser.post(f"/commitments/{c.pk}/", {"action": "verify", "result": "breached",
                                                  "method": "实地调查", "note": "未落实消杀"})
    assert done.status_code == 302
    c.refresh_from_db()
    assert c.status == "breached" and c.breach_record is not None
    again = browser.post(f"/commitments/{c.pk}/", {"action": "verify", "result": "fulfilled",
                                                   "method": "书面核查", "note": "x"})
    assert again.status_code == 409 and "未履约" in again.content.decode()
    stats = services.stats(dept, timezone.localdate())
    assert stats["by_template"][0]["breach_rate"] == "100.0%" and stats["total"] == 1
    page = browser.get("/commitments/stats/").content.decode()
    assert 'data-testid="breach-rate">100.0%' in page and "市场监督管理局" in page


def test_the_public_does_not_see_the_units_forms(resumption: Callable[..., Commitment],
                                                 web: Callable[..., Any]) -> None:
    c = resumption()
    page = web(None).get(f"/commitments/{c.pk}/").content.decode()
    assert "approval-form" not in page and "verify-form" not in page and "pdf-link" not in page
    refused = web(None).post(f"/commitments/{c.pk}/", {"action": "withdraw", "reason": "x"})
    assert refused.status_code == 302 and refused["Location"].startswith("/login/")
