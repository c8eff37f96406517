"""The outbox page: the office sees every notice, a subject the notices to its own users,
and marking read touches only one's own."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from xinyong.accounts.models import Role, User
from xinyong.notices.models import Notice, notify


def html(response: Any) -> str:
    return response.content.decode()


def shown(page: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'data-notice="(\d+)"', page)}


@pytest.fixture
def notices(users: dict[str, User], person_user: User, make_user: Callable[..., User]) -> dict[str, Notice]:
    colleague = make_user("carol2", Role.SUBJECT, subject=users[Role.SUBJECT].subject)
    made = {
        "carol": notify(users[Role.SUBJECT], "信用修复申请已提交", "查询码 XF23456789ABCD。",
                        "/repairs/track/XF23456789ABCD/"),
        "colleague": notify(colleague, "信用修复申请已受理", "查询码 XFBCDEFGHJKMNP。",
                            "/repairs/track/XFBCDEFGHJKMNP/"),
        "person": notify(person_user, "信用修复申请不予修复", "查询码 XFPQRSTUVWXYZ2。"),
        "odd": notify(users[Role.SUBJECT], "外部链接", "不应显示为链接", "javascript:alert(1)"),
    }
    return {k: v for k, v in made.items() if v is not None}


def test_office_sees_every_notice_with_its_recipient(
    notices: dict[str, Notice], users: dict[str, User], web: Callable[..., Client]
) -> None:
    page = html(web(users[Role.OFFICE]).get("/notices/"))
    assert shown(page) == {n.pk for n in notices.values()}
    assert "通知发件箱" in page and "zhangsan" in page and "张三" in page
    assert 'href="/repairs/track/XF23456789ABCD/"' in page
    assert "javascript:" not in page


def test_subject_sees_the_notices_of_its_own_subject(
    notices: dict[str, Notice], users: dict[str, User], person_user: User, web: Callable[..., Client]
) -> None:
    page = html(web(users[Role.SUBJECT]).get("/notices/"))
    assert shown(page) == {notices["carol"].pk, notices["colleague"].pk, notices["odd"].pk}
    assert "我的通知" in page and "未读" in page
    assert 'href="/repairs/track/XF23456789ABCD/"' in page
    assert shown(html(web(person_user).get("/notices/"))) == {notices["person"].pk}
    assert shown(html(web(users[Role.DEPARTMENT]).get("/notices/"))) == set()


def test_mark_read_touches_only_ones_own(
    notices: dict[str, Notice], users: dict[str, User], web: Callable[..., Client]
) -> None:
    office = web(users[Role.OFFICE])
    assert office.post("/notices/read/").status_code == 302
    assert not Notice.objects.filter(read_at__isnull=False).exists()  # the office read nobody's
    subject = web(users[Role.SUBJECT])
    assert subject.get("/notices/read/").status_code == 405
    response = subject.post("/notices/read/", follow=True)
    assert "已将 3 条通知标为已读" in html(response)
    assert set(Notice.objects.filter(read_at__isnull=False).values_list("pk", flat=True)) == {
        notices["carol"].pk, notices["colleague"].pk, notices["odd"].pk}
    assert "未读" not in html(subject.get("/notices/")).split('data-testid="notices"')[1]


def test_outbox_needs_login(db: Any, web: Callable[..., Client]) -> None:
    response = web().get("/notices/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
