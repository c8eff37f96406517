"""The office administers users: a list with search, filters and pages; an edit page;
deactivation and reactivation (never of oneself or the last office user); a password reset
that the user must follow with a change at the next login; unlocking a locked-out user.
Only the office may do any of it, and every change is in the audit log in Chinese."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from conftest import PASSWORD, PERSON_CODE
from xinyong.accounts.models import ApiToken, Role, Unit, User
from xinyong.accounts.services import locked_out, reset_password, set_user_active
from xinyong.audit.models import AuditEvent
from xinyong.lib.errors import DomainError
from xinyong.subjects.models import Subject

from .test_office_pages import field_block, field_error

NEW_PASSWORD = "Fresh-pass-2026-xy"
LIMIT = settings.AXES_FAILURE_LIMIT


@pytest.fixture
def alice(users: dict[str, User]) -> User:
    return users[Role.OFFICE]


@pytest.fixture
def bob(users: dict[str, User]) -> User:
    return users[Role.DEPARTMENT]


@pytest.fixture
def office(alice: User, web: Callable[..., Client]) -> Client:
    return web(alice)


def login(username: str, password: str = PASSWORD, client: Client | None = None) -> Any:
    client = client or Client()
    return client.post("/login/", {"username": username, "password": password})


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def pages_of(user: User) -> list[tuple[str, str]]:
    """(method, path) of every office page about one user."""
    return [("get", f"/office/users/{user.pk}/"), ("post", f"/office/users/{user.pk}/"),
            ("get", f"/office/users/{user.pk}/deactivate/"),
            ("post", f"/office/users/{user.pk}/deactivate/"),
            ("get", f"/office/users/{user.pk}/reactivate/"),
            ("get", f"/office/users/{user.pk}/password/"),
            ("post", f"/office/users/{user.pk}/password/"),
            ("post", f"/office/users/{user.pk}/unlock/"),
            ("get", f"/office/units/{user.unit_id}/edit/"),
            ("post", f"/office/units/{user.unit_id}/edit/")]


# Access


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.SUBJECT, Role.INSTITUTION])
def test_other_roles_get_403(users: dict[str, User], web: Callable[..., Client], role: str,
                             bob: User) -> None:
    client = web(users[role])
    for method, path in pages_of(bob):
        response = getattr(client, method)(path, {"reason": "x", "name": "x", "role": "office"})
        assert response.status_code == 403, (method, path)
    bob.refresh_from_db()
    assert bob.is_active and bob.role == Role.DEPARTMENT and not bob.must_change_password
    assert not AuditEvent.objects.exists()


def test_anonymous_go_to_login(bob: User) -> None:
    for method, path in pages_of(bob):
        response = getattr(Client(), method)(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
    assert Client().get("/password/change/")["Location"] == "/login/?next=/password/change/"


def test_unknown_user_is_404(office: Client) -> None:
    assert office.get("/office/users/999999/").status_code == 404
    assert office.post("/office/users/999999/password/").status_code == 404
    assert office.post("/office/users/999999/unlock/").status_code == 404


# The new user form


def test_a_new_user_starts_with_the_least_powerful_role(office: Client) -> None:
    html = office.get("/office/users/").content.decode()
    role = field_block(html, "role")
    selected = re.findall(r'<option value="(\w+)" selected>', role)
    assert selected == [Role.SUBJECT]
    # The roles are listed from the least powerful to the most.
    assert re.findall(r'<option value="(\w+)"', role) == [
        Role.SUBJECT, Role.INSTITUTION, Role.DEPARTMENT, Role.OFFICE]


def test_the_unit_field_says_no_unit_in_chinese(office: Client, unit: Unit) -> None:
    block = field_block(office.get("/office/users/").content.decode(), "unit")
    assert "---------" not in block
    assert re.findall(r"<option[^>]*>([^<]*)</option>", block)[0] == "（无）不属于任何成员单位"
    assert "所属成员单位" in block and "角色为成员单位时必选" in block


# The list


def test_the_list_searches_and_filters(office: Client, users: dict[str, User],
                                       make_user: Callable[..., User], unit: Unit) -> None:
    make_user("erin", Role.DEPARTMENT, unit=unit, display_name="王五", is_active=False)
    make_user("frank", Role.INSTITUTION, display_name="示例银行",
              institution=users[Role.INSTITUTION].institution)

    def listed(query: str) -> set[str]:
        html = office.get(f"/office/users/{query}").content.decode()
        return set(re.findall(r'<tr[^>]*><td translate="no">(\w+)</td>', html))

    assert listed("") == {"alice", "bob", "carol", "dave", "erin", "frank"}
    assert listed("?q=示例银行") == {"frank"}
    assert listed("?q=马尾支行") == {"dave", "frank"}  # the institution's name
    assert listed("?q=ERI") == {"erin"}
    assert listed("?q=市场监督") == {"bob", "erin"}  # the unit's name
    assert listed("?role=department") == {"bob", "erin"}
    assert listed("?active=0") == {"erin"}
    assert listed("?role=department&active=1") == {"bob"}
    assert listed("?role=boss") == set()  # a bad filter shows nothing, not everything


def test_the_list_pages_and_keeps_the_filter(office: Client, make_user: Callable[..., User],
                                             institution: Any) -> None:
    for i in range(55):
        make_user(f"user{i:02}", Role.INSTITUTION, institution=institution)
    html = office.get("/office/users/?role=institution").content.decode()
    assert "共 56 个" in html and 'href="?role=institution&amp;page=2"' in html
    assert "第 2 / 2 页" in office.get("/office/users/?role=institution&page=2").content.decode()


def test_the_list_shows_state_lock_and_temporary_password(
    office: Client, users: dict[str, User], make_user: Callable[..., User], alice: User
) -> None:
    make_user("erin", Role.INSTITUTION, is_active=False,
              institution=users[Role.INSTITUTION].institution)
    reset_password(users[Role.INSTITUTION], actor=alice)
    for _ in range(LIMIT):
        login("carol", "wrong")
    html = office.get("/office/users/").content.decode()
    row = re.compile(r'<tr[^>]*><td translate="no">(\w+)</td>.*?</tr>', re.S)
    rows = {m.group(1): m.group(0) for m in row.finditer(html)}
    assert "已停用" in rows["erin"]
    assert "待修改密码" in rows["dave"] and "已锁定" not in rows["dave"]
    assert "已锁定" in rows["carol"] and "待修改密码" not in rows["carol"]
    assert f'href="/office/users/{users[Role.SUBJECT].pk}/"' in rows["carol"]


# Editing


def test_edit_a_user(office: Client, bob: User, other_unit: Unit, alice: User) -> None:
    page = office.get(f"/office/users/{bob.pk}/").content.decode()
    assert 'value="bob"' not in page  # the user name is shown, not editable
    assert f'<option value="{bob.unit_id}" selected>' in field_block(page, "unit")
    response = office.post(f"/office/users/{bob.pk}/", {
        "display_name": "李四", "email": "lisi@example.cn", "role": Role.DEPARTMENT,
        "unit": other_unit.pk})
    assert response.status_code == 302 and response["Location"] == f"/office/users/{bob.pk}/"
    bob.refresh_from_db()
    assert (bob.display_name, bob.email, bob.unit) == ("李四", "lisi@example.cn", other_unit)
    [event] = events("user.update")
    assert event.actor == alice and event.object_id == str(bob.pk)
    assert event.summary == ("修改用户 bob：姓名或机构名称：（空） → 李四；电子邮箱：（空） → "
                             "lisi@example.cn；所属单位：市场监督管理局 → 发展和改革局")
    # Saving the same again changes nothing and records nothing.
    office.post(f"/office/users/{bob.pk}/", {"display_name": "李四", "email": "lisi@example.cn",
                                              "role": Role.DEPARTMENT, "unit": other_unit.pk})
    assert len(events("user.update")) == 1


def test_change_a_role_and_its_binding(office: Client, users: dict[str, User], person: Subject,
                                       institution: Any, other_institution: Any) -> None:
    dave = users[Role.INSTITUTION]
    office.post(f"/office/users/{dave.pk}/", {"role": Role.SUBJECT, "subject_code": PERSON_CODE})
    dave.refresh_from_db()
    assert dave.role == Role.SUBJECT and dave.subject == person
    # A subject user keeps their subject when no code is typed.
    office.post(f"/office/users/{dave.pk}/", {"role": Role.SUBJECT, "display_name": "张三"})
    dave.refresh_from_db()
    assert dave.subject == person and dave.display_name == "张三"
    assert dave.institution is None  # a subject's user belongs to no institution
    # Another role: the binding goes; an institution's user needs an institution.
    response = office.post(f"/office/users/{dave.pk}/", {"role": Role.INSTITUTION})
    assert "必须指定所属金融机构" in field_error(response.content.decode(), "institution")
    office.post(f"/office/users/{dave.pk}/", {"role": Role.INSTITUTION,
                                              "institution": other_institution.pk})
    dave.refresh_from_db()
    assert dave.role == Role.INSTITUTION and dave.subject is None
    assert dave.institution == other_institution
    # An institution's user keeps their institution when none is chosen.
    office.post(f"/office/users/{dave.pk}/", {"role": Role.INSTITUTION, "display_name": "王五"})
    dave.refresh_from_db()
    assert dave.institution == other_institution and dave.display_name == "王五"
    assert PERSON_CODE not in repr(list(AuditEvent.objects.values()))


def test_a_new_role_or_unit_revokes_the_users_tokens(
        office: Client, bob: User, other_unit: Unit, token_for: Callable[[User], str]) -> None:
    """A token handed to one unit's system must not start reporting for another unit."""
    token = token_for(bob)
    headers = {"Authorization": f"Bearer {token}"}
    assert Client().get("/api/v1/repairs", headers=headers).status_code == 200
    page = office.get(f"/office/users/{bob.pk}/").content.decode()
    assert "会吊销这些令牌" in page
    # A new name keeps the token.
    office.post(f"/office/users/{bob.pk}/", {"role": Role.DEPARTMENT, "unit": bob.unit_id,
                                              "display_name": "李四"})
    assert Client().get("/api/v1/repairs", headers=headers).status_code == 200
    # A new unit revokes it, says so, and the audit log records how many.
    response = office.post(f"/office/users/{bob.pk}/", {"role": Role.DEPARTMENT,
                                                         "unit": other_unit.pk,
                                                         "display_name": "李四"}, follow=True)
    assert "其 1 个接口令牌已吊销" in response.content.decode()
    assert Client().get("/api/v1/repairs", headers=headers).status_code == 401
    assert not ApiToken.objects.filter(user=bob, revoked_at__isnull=True).exists()
    assert "吊销其接口令牌 1 个" in events("user.update")[-1].summary


def test_every_signed_in_user_finds_the_password_change(
        users: dict[str, User], web: Callable[..., Client]) -> None:
    for user in users.values():
        page = web(user).get("/").content.decode()
        assert 'href="/password/change/"' in page, user.role


@pytest.mark.parametrize(
    ("data", "field", "says"),
    [
        ({"role": Role.DEPARTMENT, "unit": ""}, "unit", "必须指定所属单位"),
        ({"role": Role.OFFICE, "unit": "UNIT"}, "unit", "只有成员单位角色"),
        ({"role": Role.SUBJECT}, "subject_code", "必须指定绑定主体"),
        ({"role": Role.SUBJECT, "subject_code": "110105194912310021"}, "subject_code", "校验位错误"),
        ({"role": Role.INSTITUTION, "subject_code": PERSON_CODE}, "subject_code", "只有信用主体角色"),
        ({"role": Role.INSTITUTION}, "institution", "必须指定所属金融机构"),
        ({"role": "boss"}, "role", "选择一个有效的选项"),
        ({"role": Role.DEPARTMENT, "unit": "UNIT", "email": "not-an-address"}, "email", "有效的电子邮箱地址"),
    ],
)
def test_edit_errors_next_to_the_field(office: Client, bob: User, data: dict[str, Any],
                                       field: str, says: str) -> None:
    data = {k: (bob.unit_id if v == "UNIT" else v) for k, v in data.items()}
    response = office.post(f"/office/users/{bob.pk}/", data)
    assert response.status_code == 200
    assert says in field_error(response.content.decode(), field)
    bob.refresh_from_db()
    assert bob.role == Role.DEPARTMENT and not AuditEvent.objects.exists()


def test_no_user_for_a_deactivated_unit_but_one_keeps_theirs(
    office: Client, bob: User, unit: Unit, other_unit: Unit
) -> None:
    Unit.objects.filter(pk=other_unit.pk).update(is_active=False)
    response = office.post(f"/office/users/{bob.pk}/",
                           {"role": Role.DEPARTMENT, "unit": other_unit.pk})
    assert "选择一个有效的选项" in field_error(response.content.decode(), "unit")
    # bob's own unit deactivated: his name can still be edited.
    Unit.objects.filter(pk=unit.pk).update(is_active=False)
    response = office.post(f"/office/users/{bob.pk}/",
                           {"role": Role.DEPARTMENT, "unit": unit.pk, "display_name": "李四"})
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.display_name == "李四" and bob.unit == unit


def test_the_office_keeps_one_office_user(office: Client, alice: User,
                                          make_user: Callable[..., User], institution: Any) -> None:
    response = office.post(f"/office/users/{alice.pk}/", {"role": Role.INSTITUTION,
                                                          "institution": institution.pk})
    assert "这是您自己的账号，不能取消其信用办角色" in response.content.decode()
    erin = make_user("erin", Role.OFFICE)
    assert office.post(f"/office/users/{erin.pk}/",
                       {"role": Role.INSTITUTION, "institution": institution.pk}).status_code == 302
    erin.refresh_from_db()
    assert erin.role == Role.INSTITUTION
    with pytest.raises(DomainError, match="最后一个启用的信用办用户"):
        set_user_active(alice, False, "离职", actor=erin)


# Deactivation


def test_deactivate_and_reactivate_a_user(office: Client, bob: User, alice: User) -> None:
    ApiToken.issue(bob, "报送系统")
    bob_client = Client()
    assert login("bob", client=bob_client).status_code == 302
    page = office.get(f"/office/users/{bob.pk}/deactivate/").content.decode()
    assert '停用用户：<span translate="no">bob</span>' in page and "1 个接口令牌停止使用" in page
    # No reason: nothing happens.
    response = office.post(f"/office/users/{bob.pk}/deactivate/", {"reason": " "})
    assert "这个字段是必填项" in field_error(response.content.decode(), "reason")
    response = office.post(f"/office/users/{bob.pk}/deactivate/", {"reason": "调离岗位"})
    assert response["Location"] == f"/office/users/{bob.pk}/"
    bob.refresh_from_db()
    assert not bob.is_active
    # bob's open session ends, and he cannot log in again.
    assert bob_client.get("/records/")["Location"].startswith("/login/")
    assert login("bob").status_code == 200
    [event] = events("user.deactivate")
    assert event.summary == "停用用户 bob：调离岗位" and event.actor == alice
    # The edit page now offers reactivation.
    page = office.get(f"/office/users/{bob.pk}/").content.decode()
    assert "已停用" in page and f"/office/users/{bob.pk}/reactivate/" in page
    office.post(f"/office/users/{bob.pk}/reactivate/", {"reason": "误操作"})
    bob.refresh_from_db()
    assert bob.is_active and login("bob").status_code == 302
    assert events("user.reactivate")[0].summary == "启用用户 bob：误操作"


def test_no_one_deactivates_themself_or_the_last_office_user(
    office: Client, alice: User, make_user: Callable[..., User]
) -> None:
    page = office.get(f"/office/users/{alice.pk}/").content.decode()
    assert "这是您自己的账号" in page and "/deactivate/" not in page
    response = office.post(f"/office/users/{alice.pk}/deactivate/", {"reason": "x"})
    assert "这是您自己的账号，不能停用" in response.content.decode()
    alice.refresh_from_db()
    assert alice.is_active and not events("user.deactivate")
    # Another office user may deactivate alice while one office user stays active.
    erin = make_user("erin", Role.OFFICE)
    set_user_active(alice, False, "离职", actor=erin)
    with pytest.raises(DomainError, match="最后一个启用的信用办用户"):
        set_user_active(erin, False, "离职", actor=None)


def test_deactivating_twice_records_once(office: Client, bob: User) -> None:
    office.post(f"/office/users/{bob.pk}/deactivate/", {"reason": "调离"})
    response = office.post(f"/office/users/{bob.pk}/deactivate/", {"reason": "调离"})
    assert response.status_code == 302
    assert len(events("user.deactivate")) == 1


# Password reset and the forced change


def test_reset_shows_a_generated_password_once(office: Client, bob: User, alice: User) -> None:
    page = office.get(f"/office/users/{bob.pk}/password/").content.decode()
    assert "onsubmit=\"return confirm('确定重置用户 bob 的密码" in page
    response = office.post(f"/office/users/{bob.pk}/password/", {"password": ""})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    html = response.content.decode()
    shown = re.search(r'data-testid="temporary-password".*?<code>([^<]+)</code>', html, re.S)
    assert shown is not None
    temporary = shown.group(1)
    bob.refresh_from_db()
    assert bob.must_change_password and bob.check_password(temporary)
    assert not bob.check_password(PASSWORD)
    [event] = events("user.password_reset")
    assert event.actor == alice and temporary not in repr(event.__dict__)
    assert event.summary == "重置用户 bob 的密码（系统生成的临时密码，下次登录须修改）"
    # It is not shown again anywhere.
    assert temporary not in office.get(f"/office/users/{bob.pk}/").content.decode()


def test_a_typed_temporary_password_follows_the_rules(office: Client, bob: User) -> None:
    response = office.post(f"/office/users/{bob.pk}/password/", {"password": "123"})
    assert "密码太短" in field_error(response.content.decode(), "password")
    bob.refresh_from_db()
    assert not bob.must_change_password and bob.check_password(PASSWORD)
    response = office.post(f"/office/users/{bob.pk}/password/", {"password": "Temp-pass-2026"})
    assert "请把您设定的临时密码告知本人" in response.content.decode()
    assert "Temp-pass-2026" not in response.content.decode()
    bob.refresh_from_db()
    assert bob.check_password("Temp-pass-2026") and bob.must_change_password


def test_nobody_resets_their_own_password_here(office: Client, alice: User) -> None:
    response = office.post(f"/office/users/{alice.pk}/password/", {"password": ""})
    assert "不能重置自己的密码" in field_error(response.content.decode(), "password")
    alice.refresh_from_db()
    assert not alice.must_change_password


def test_the_reset_user_must_change_the_password_at_login(bob: User, alice: User) -> None:
    old_session = Client()
    login("bob", client=old_session)
    temporary = reset_password(bob, actor=alice)
    # The session opened with the old password has ended.
    assert old_session.get("/records/")["Location"].startswith("/login/")
    client = Client()
    response = client.post("/login/?next=/records/", {"username": "bob", "password": temporary})
    assert response.status_code == 302
    # Every page leads to the change page until the password is changed.
    for path in ("/records/", "/", "/office/users/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/password/change/?next=")
    page = client.get("/password/change/?next=/records/").content.decode()
    assert "您正在使用信用办设置的临时密码" in page and "修改密码" in page
    # The rules apply, the temporary password may not be kept, the two entries must agree.
    for new1, new2, field, says in [
        ("123", "123", "new_password1", "密码太短"),
        (temporary, temporary, "new_password1", "不能与当前密码相同"),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "new_password2", "两次输入的新密码不一致"),
    ]:
        response = client.post("/password/change/", {
            "old_password": temporary, "new_password1": new1, "new_password2": new2})
        assert says in field_error(response.content.decode(), field)
    response = client.post("/password/change/", {
        "old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert "当前密码不正确" in field_error(response.content.decode(), "old_password")
    response = client.post("/password/change/", {
        "old_password": temporary, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
        "next": "/records/"})
    assert response.status_code == 302 and response["Location"] == "/records/"
    # The same session goes on, and the new password works from now on.
    assert client.get("/records/").status_code == 200
    bob.refresh_from_db()
    assert not bob.must_change_password and bob.check_password(NEW_PASSWORD)
    assert login("bob", temporary).status_code == 200
    [event] = events("user.password_change")
    assert event.actor == bob and "按要求修改临时密码" in event.summary


def test_the_change_does_not_follow_next_off_site(bob: User, web: Callable[..., Client]) -> None:
    client = web(bob)
    response = client.post("/password/change/", {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
        "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_a_forced_user_may_still_log_out(bob: User, alice: User, web: Callable[..., Client]
                                         ) -> None:
    reset_password(bob, "Temp-pass-2026", actor=alice)
    client = Client()
    login("bob", "Temp-pass-2026", client)
    assert client.post("/logout/")["Location"] == "/login/"


def test_the_api_is_not_held_back(bob: User, alice: User, token_for: Callable[[User], str]
                                  ) -> None:
    token = token_for(bob)
    reset_password(bob, actor=alice)
    # A record that is not there: the API answers itself (404), no redirect to a page.
    response = Client().get("/api/v1/records/999999", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")


# Lock-out


def lock_out(username: str) -> None:
    for _ in range(LIMIT):
        login(username, "wrong")
    assert login(username).status_code == 429


def test_the_lock_out_page_names_what_the_office_can_do(bob: User) -> None:
    for _ in range(LIMIT - 1):
        login("bob", "wrong")
    html = login("bob", "wrong").content.decode()
    assert "信用办可以在“用户”页面为您解除锁定" in html and "重置密码" in html


def test_unlock_a_locked_user(office: Client, bob: User, alice: User) -> None:
    lock_out("bob")
    assert locked_out([bob, alice]) == {bob.pk}
    page = office.get(f"/office/users/{bob.pk}/").content.decode()
    assert "已锁定" in page and f'action="/office/users/{bob.pk}/unlock/"' in page
    assert office.get(f"/office/users/{bob.pk}/unlock/").status_code == 405
    response = office.post(f"/office/users/{bob.pk}/unlock/")
    assert response["Location"] == f"/office/users/{bob.pk}/"
    assert "已解除用户“bob”的登录锁定" in office.get(response["Location"]).content.decode()
    assert login("bob").status_code == 302
    [event] = events("user.unlock")
    assert event.summary == "解除用户 bob 的登录锁定" and event.actor == alice
    # Not locked: nothing to do, nothing recorded.
    office.post(f"/office/users/{bob.pk}/unlock/")
    assert len(events("user.unlock")) == 1


def test_an_expired_lock_out_is_not_shown(office: Client, bob: User) -> None:
    from axes.models import AccessAttempt
    from django.utils import timezone

    lock_out("bob")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timezone.timedelta(days=1))
    assert locked_out([bob]) == set()


def test_a_reset_also_unlocks(bob: User, alice: User) -> None:
    lock_out("bob")
    temporary = reset_password(bob, actor=alice)
    assert login("bob", temporary).status_code == 302
    assert "并解除登录锁定" in events("user.password_reset")[0].summary


def test_unlock_a_user_named_by_an_id_number(office: Client, make_user: Callable[..., User],
                                             person: Subject) -> None:
    zhang = make_user(PERSON_CODE, Role.SUBJECT, subject=person)
    lock_out(PERSON_CODE)
    assert locked_out([zhang]) == {zhang.pk}
    office.post(f"/office/users/{zhang.pk}/unlock/")
    assert login(PERSON_CODE).status_code == 302
    assert PERSON_CODE not in repr(list(AuditEvent.objects.values()))
