"""Screenshots of the credit file as the public and as the subject see it, and of a record
whose publicity and membership ended, in Debian's Chromium."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from conftest import PASSWORD
from xinyong.accounts.models import Role, Unit
from xinyong.conftest_helpers import browser_login, new_page, screenshot
from xinyong.records import services
from xinyong.subjects.models import get_or_create_subject

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page: Any, name: str) -> Path:
    return screenshot(page, f"profile-{name}")


def test_the_credit_file_in_a_browser(loaded: Any, taicang_unit: Unit, make_user: Any,
                                      live_server: Any, browser: Any) -> None:
    company = get_or_create_subject("organization", "91320585MA1N000039", "太仓娄江纺织进出口有限公司")[0]
    decided = timezone.localdate() - dt.timedelta(days=30)

    def report(behavior: str, number: str, severity: str = "serious") -> Any:
        return services.submit(taicang_unit, services.Submission(
            subject_kind="organization", subject_name=company.name, subject_code=company.code,
            behavior=behavior, occurred_on=decided - dt.timedelta(days=3), decided_on=decided,
            decision_no=number, facts="", severity=severity))[0]

    report("tc_wildlife_trade", "太农罚〔2026〕1号")
    gone = report("tc_epidemic_false_advertising", "太市监罚〔2026〕2号")
    services.withdraw(gone, "行政复议撤销", actor=None)
    report("tc_work_resumption_not_as_required", "太工信责改〔2026〕3号", "general")

    page = new_page(browser)
    page.goto(f"{live_server.url}/lists/joint_punishment/")
    page.click("[data-testid=subject-link]")
    page.wait_for_url(f"{live_server.url}/subjects/{company.pk}/")
    assert page.locator("[data-testid=profile-records] tbody tr").count() == 2
    assert page.locator("[data-testid=profile-lists] tbody tr").count() == 1
    shot(page, "public")

    owner = make_user("loujiang", Role.SUBJECT, subject=company)
    mine = browser_login(browser, live_server, owner, PASSWORD)
    mine.goto(f"{live_server.url}/subjects/{company.pk}/")
    assert mine.locator("[data-testid=profile-records] tbody tr").count() == 3
    assert mine.locator("[data-testid=profile-lists] tbody tr").count() == 3
    shot(mine, "owner")
    mine.goto(f"{live_server.url}/records/{gone.pk}/")
    assert mine.locator("[data-testid=publicity-ended]").count() == 1
    shot(mine, "record-ended")
