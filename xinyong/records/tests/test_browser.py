"""Screenshots of the collection pages in Debian's Chromium, and the live import progress.

Run with `pytest -m browser xinyong/records/tests/test_browser.py`; the PNGs land in
test-artifacts/ (not committed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import ORG2_CODE, PASSWORD, PERSON_CODE
from xinyong.accounts.models import Role, Unit, User
from xinyong.conftest_helpers import browser_login, screenshot
from xinyong.records import imports
from xinyong.records.models import ImportJob
from xinyong.records.tests.test_views import (
    BAD_ROW,
    GOOD_ROW,
    HEADER,
    D,
    exempted,
    published_now,
    submit,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

def shot(page: Any, name: str) -> Path:
    return screenshot(page, f"records-{name}")


def log_in(browser: Any, live_server: Any, user: User) -> Any:
    return browser_login(browser, live_server, user, PASSWORD)


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def test_screenshots_of_the_collection_pages(loaded: Any, unit: Unit, users: dict[str, User],
                                             live_server: Any, browser: Any, media: Path) -> None:
    dept = users[Role.DEPARTMENT]
    record = submit(unit, actor=dept, subject_name="康宁医疗器械公司")  # name differs from the file
    published_now(unit, subject_name="福州闽江生鲜超市有限公司", subject_code=ORG2_CODE)
    # 福州 二 needs 情节比较严重: a general case is kept, not published (the 马尾 unit has
    # no deferral rule: 太仓 8 governs 太仓 only).
    exempted(unit, behavior="fz_mask_fraud", force_majeure=False, occurred_on=D(2020, 2, 10),
             decided_on=D(2020, 2, 20), decision_no="榕马市监罚〔2020〕9号")
    submit(unit, subject_kind="person", subject_name="张三", subject_code=PERSON_CODE,
           behavior="fz_concealment_evasion", decision_no="榕马公罚〔2020〕3号", facts="隐瞒旅居史")
    page = log_in(browser, live_server, dept)

    page.goto(f"{live_server.url}/records/")
    assert page.locator("[data-testid=records] tbody tr").count() == 4
    assert "110105********002X" in page.content() and PERSON_CODE not in page.content()
    shot(page, "list")

    page.goto(f"{live_server.url}/records/{record.pk}/")
    trace = page.locator("[data-testid=trace]")
    assert trace.locator("a[href='/policies/fuzhou-2020-4/#clause-二.7']").count() >= 1
    shot(page, "record")

    page.click("button:has-text('展开')")
    page.wait_for_selector("#correct-form.collapse.show")  # the opening animation has ended
    page.select_option("#id_correct-severity", "general")
    page.click("button:has-text('提交更正')")  # no reason given
    page.wait_for_selector("[data-error-for=reason]")
    assert page.locator("#correct-form").is_visible()
    shot(page, "record-correct-error")

    page.goto(f"{live_server.url}/records/new/")
    page.select_option("#id_subject_kind", "person")
    page.fill("#id_subject_name", "李四")
    page.fill("#id_subject_code", "110105194912310021")  # wrong check digit
    page.select_option("#id_behavior", "fz_mask_fraud")
    page.fill("#id_occurred_on", "2020-02-10")
    page.fill("#id_decided_on", "2020-02-20")
    page.fill("#id_decision_no", "榕马市监罚〔2020〕99号")
    page.fill("#id_facts", "销售假冒口罩")
    page.select_option("#id_severity", "serious")
    page.click("button:has-text('报送')")
    page.wait_for_selector("[data-error-for=subject_code]")
    assert "is-invalid" in (page.get_attribute("#id_subject_code", "class") or "")
    shot(page, "form-error")


def test_import_progress_updates_live(loaded: Any, unit: Unit, users: dict[str, User],
                                      live_server: Any, browser: Any, media: Path) -> None:
    page = log_in(browser, live_server, users[Role.DEPARTMENT])
    page.goto(f"{live_server.url}/records/imports/")
    upload = media / "疫情期间处罚.csv"
    upload.write_text("\n".join([HEADER, GOOD_ROW, BAD_ROW]) + "\n", encoding="utf-8")
    page.set_input_files("#id_file", str(upload))
    page.check("#id_accept_partial")
    page.click("button:has-text('上传并导入')")
    page.wait_for_selector("[data-testid=progress][data-status=queued]")
    job = ImportJob.objects.get()
    shot(page, "import-queued")

    imports.run(job.pk)  # the worker's part, while the page keeps polling
    page.wait_for_selector("[data-testid=progress][data-status=done]", timeout=10_000)
    assert page.locator("[data-count=accepted]").inner_text() == "1"
    assert page.locator("[data-count=rejected]").inner_text() == "1"
    assert page.locator("[data-testid=errors] tbody tr").count() == 1
    shot(page, "import-done")
    with page.expect_download() as download:
        page.click("[data-testid=errors-csv]")
    saved = media / "errors.csv"
    download.value.save_as(saved)
    assert "subject_code" in saved.read_text(encoding="utf-8-sig")
