"""The terminal's screens (keypad, printing, the PDF once, messages) and the subject's code
page: what they show, that nothing is cached, that only the right people reach them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from xinyong.accounts.models import Role, User
from xinyong.front.tests.walk import english_words
from xinyong.kiosk import services
from xinyong.kiosk.models import PickupCode, Terminal, code_digest
from xinyong.kiosk.tests.conftest import PLACE
from xinyong.kiosk.views import qr_svg
from xinyong.reports.models import Report

TICKET_URL = re.compile(r'data-src="(/kiosk/print/[^/"]+/)"')


def site_words(html: str, user: User) -> set[str]:
    """English words on a page of the site's layout, but for the user name in its bar."""
    return english_words(html) - {user.username}


def test_the_start_screen(kiosk: Client, settings: Any) -> None:
    response = kiosk.get("/kiosk/")
    html = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert settings.SITE_NAME in html and PLACE in html
    assert "在手机或电脑上登录平台，在“我的信用报告”中获取取件码" in html
    assert re.search(r'<input id="kiosk-code" name="code"[^>]*autofocus', html)
    assert 'inputmode="none"' in html  # the on-screen keypad, not the tablet's keyboard
    keys = re.findall(r'data-key="(\d)"', html)
    assert sorted(keys) == list("0123456789")
    for label in ("删除", "清空", "确认打印"):
        assert f">{label}</button>" in html
    assert f'data-idle-seconds="{settings.KIOSK_IDLE_SECONDS}"' in html
    assert "/static/kiosk/kiosk.js" in html and "/static/vendor/bootstrap/bootstrap.min.css" in html
    assert "<nav" not in html and "退出登录" not in html  # no site navigation
    assert "<script>" not in html and "http" not in html.split("<body", 1)[1]  # no inline code, no CDN
    assert english_words(html) == set()


def test_a_valid_code_leads_to_printing_then_the_pdf_once(kiosk: Client, code_for: Any,
                                                          organization: Any) -> None:
    code = code_for(version="full")
    screen = kiosk.post("/kiosk/", {"code": code})
    html = screen.content.decode()
    assert screen.status_code == 200 and "no-store" in screen["Cache-Control"]
    assert "正在打印" in html and "请取走您的报告" in html and ">完成</a>" in html
    assert organization.name in html and "完整版" in html
    assert english_words(html) == set()
    url = TICKET_URL.search(html).group(1)  # type: ignore[union-attr]

    pdf = kiosk.get(url)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert pdf["Content-Disposition"].startswith("inline;")
    assert "no-store" in pdf["Cache-Control"]
    assert pdf["X-Frame-Options"] == "SAMEORIGIN"  # the printing screen frames it
    report = Report.objects.get()
    assert report.channel == "kiosk" and report.place == PLACE and report.version == "full"

    again = kiosk.get(url)
    text = again.content.decode()
    assert again.status_code == 410 and "只能打印一次" in text and 'data-message' in text
    assert "no-store" in again["Cache-Control"] and english_words(text) == set()
    assert Report.objects.count() == 1


def test_a_wrong_code_says_so_on_the_screen(kiosk: Client, code_for: Any) -> None:
    code = code_for()
    wrong = kiosk.post("/kiosk/", {"code": f"{(int(code) + 7) % 10 ** 8:08d}"})
    html = wrong.content.decode()
    assert wrong.status_code == 422 and "取件码不正确或已过期" in html
    assert "no-store" in wrong["Cache-Control"]
    assert code not in html  # the typed code is not put back either
    empty = kiosk.post("/kiosk/", {"code": ""})
    assert empty.status_code == 422 and "请输入 8 位取件码" in empty.content.decode()


def test_a_locked_terminal_says_so_on_the_screen(kiosk: Client, code_for: Any) -> None:
    code = code_for()
    statuses = [kiosk.post("/kiosk/", {"code": f"{(int(code) + n) % 10 ** 8:08d}"}).status_code
                for n in range(1, services.MAX_FAILURES + 1)]
    assert statuses == [422] * (services.MAX_FAILURES - 1) + [429]
    locked = kiosk.post("/kiosk/", {"code": code})
    html = locked.content.decode()
    assert locked.status_code == 429 and "暂停受理" in html and "秒后再试" in html
    assert re.search(r'data-testid="code-submit" disabled', html)
    assert PickupCode.objects.get().used_at is None


def test_a_ticket_from_another_terminal_is_not_printed(kiosk: Client, office: User,
                                                       code_for: Any) -> None:
    other, _raw = services.register_terminal("2 号机", "二楼", actor=office)
    ticket = services.redeem(other, code_for()).ticket
    response = kiosk.get(f"/kiosk/print/{ticket}/")
    assert response.status_code == 404 and "没有这个打印任务" in response.content.decode()
    assert not Report.objects.exists()


def test_the_enrolment_and_message_screens_speak_chinese(kiosk: Client) -> None:
    for response in (Client().get("/kiosk/"), Client().get("/kiosk/enrol/"),
                     kiosk.get("/kiosk/enrol/"), kiosk.get("/kiosk/print/nothing/")):
        html = response.content.decode()
        assert english_words(html) == set(), english_words(html)
        assert "<nav" not in html


# --- the subject's code page ----------------------------------------------------------------


def test_the_subject_gets_a_code_with_its_qr_code(web: Any, owner: User, settings: Any) -> None:
    client = web(owner)
    page = client.get("/kiosk/code/")
    html = page.content.decode()
    assert page.status_code == 200 and "获取取件码" in html and "公开版" in html and "完整版" in html
    assert site_words(html, owner) == set()
    assert "no-store" in page["Cache-Control"]

    made = client.post("/kiosk/code/", {"version": "full"})
    html = made.content.decode()
    assert made.status_code == 200 and "no-store" in made["Cache-Control"]
    row = PickupCode.objects.get()
    digits = re.search(r'aria-label="取件码 (\d{8})"', html).group(1)  # type: ignore[union-attr]
    assert row.digest == code_digest(digits) and row.version == "full"
    assert f"{digits[:4]} {digits[4:]}" in html
    assert qr_svg(digits) in html and "<svg" in qr_svg(digits)
    assert "有效期至" in html and f"{settings.KIOSK_CODE_MINUTES} 分钟" in html
    assert "任一自助服务终端使用一次" in html
    assert site_words(html, owner) == set()

    later = client.get("/kiosk/code/").content.decode()
    assert digits not in later and 'data-testid="live-code"' in later  # shown once only


def test_the_code_page_lists_what_became_of_recent_codes(web: Any, owner: User, kiosk: Client,
                                                         terminal: Terminal, code_for: Any) -> None:
    services.print_ticket(terminal, services.redeem(terminal, code_for()).ticket)
    code_for()
    code_for()
    html = web(owner).get("/kiosk/code/").content.decode()
    table = html.split('data-testid="recent-codes"', 1)[1]
    assert table.count("<tr>") == 4  # heading and three codes
    assert "已打印" in table and PLACE in table and Report.objects.get().number in table
    assert "已作废" in table and "有效" in table


def test_a_bad_version_is_refused_on_the_form(web: Any, owner: User) -> None:
    response = web(owner).post("/kiosk/code/", {"version": "secret"})
    html = response.content.decode()
    assert response.status_code == 200 and "请选择报告版本：公开版或完整版" in html
    assert 'data-testid="pickup-code"' not in html
    assert not PickupCode.objects.exists()


@pytest.mark.parametrize("role", [Role.OFFICE, Role.DEPARTMENT, Role.INSTITUTION])
def test_the_code_page_refuses_other_roles(web: Any, users: dict[str, User], role: str) -> None:
    client = web(users[role])
    assert client.get("/kiosk/code/").status_code == 403
    assert client.post("/kiosk/code/", {"version": "public"}).status_code == 403
    assert not PickupCode.objects.exists()


def test_the_code_page_sends_the_anonymous_to_log_in(db: Any) -> None:
    for response in (Client().get("/kiosk/code/"), Client().post("/kiosk/code/", {"version": "public"})):
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not PickupCode.objects.exists()
