"""The office's audit log reads in Chinese: the action's label, the object's kind and name
with a link to its page, the channel in words; it filters by a grouped select of actions,
actor, dates, a keyword that finds Chinese labels, one object; and it exports to Excel what
it shows, the export itself audited."""

from __future__ import annotations

import datetime as dt
import html as htmllib
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from python_calamine import CalamineWorkbook

from conftest import ORG_CODE, PERSON_CODE
from xinyong.accounts.models import ApiToken, Role, Unit, User
from xinyong.accounts.services import create_unit, issue_token, reset_password
from xinyong.audit.models import AuditEvent, record
from xinyong.lib.exports import XLSX
from xinyong.records import services as records
from xinyong.records.models import ImportJob
from xinyong.subjects.models import Subject


@pytest.fixture
def alice(users: dict[str, User]) -> User:
    return users[Role.OFFICE]


@pytest.fixture
def office(alice: User, web: Callable[..., Client]) -> Client:
    return web(alice)


def rows_of(client: Client, query: str = "") -> list[dict[str, str]]:
    """The table's rows: each cell's text (tags gone), and the object cell's link."""
    response = client.get(f"/office/audit/{query}")
    assert response.status_code == 200
    body = response.content.decode().split('data-testid="events"')[1].split("</table>")[0]
    found = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)[1:]:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        if len(cells) < 6:
            continue
        link = re.search(r'href="([^"]+)"', cells[3])
        text = [htmllib.unescape(" ".join(re.sub(r"<[^>]+>", " ", c).split())) for c in cells]
        found.append({"at": text[0], "actor": text[1], "action": text[2], "object": text[3],
                      "summary": text[4], "via": text[5], "link": link.group(1) if link else ""})
    return found


# What a row shows


def test_actions_objects_and_channels_in_chinese(office: Client, alice: User, users: dict[str, User]
                                                 ) -> None:
    unit = create_unit("11350105003000001P", "发展和改革局", actor=alice, via="web")
    reset_password(users[Role.DEPARTMENT], actor=alice)
    token, _ = issue_token(users[Role.INSTITUTION], "核查系统", actor=alice)
    rows = rows_of(office)
    assert [r["action"] for r in rows] == ["创建接口令牌", "重置密码", "新建成员单位"]
    assert rows[2]["object"] == "成员单位 发展和改革局"
    assert rows[2]["link"] == f"/office/units/{unit.pk}/edit/"
    assert rows[1]["object"] == "用户 bob"
    assert rows[1]["link"] == f"/office/users/{users[Role.DEPARTMENT].pk}/"
    assert rows[0]["object"] == f"接口令牌 {token.prefix}…（核查系统）"
    assert rows[0]["link"] == "/office/tokens/"
    assert rows[2]["via"] == "网页" and rows[0]["via"] == "命令行"
    html = office.get("/office/audit/").content.decode()
    # No code is shown as text: only as data for the tests and the export.
    for code in ("unit.create", "user.password_reset", "token.create", "accounts.unit"):
        assert f">{code}<" not in html and f"{code} " not in html


def test_records_and_imports_link_to_their_pages(office: Client, loaded: Any, unit: Unit,
                                                 users: dict[str, User]) -> None:
    bob = users[Role.DEPARTMENT]
    rec, _ = records.submit(unit, records.Submission(
        subject_kind="organization", subject_name="福州马尾康宁医疗器械有限公司",
        subject_code=ORG_CODE, behavior="fz_mask_fraud", occurred_on=dt.date(2020, 2, 10),
        decided_on=dt.date(2020, 2, 20), decision_no="榕马市监罚〔2020〕12号", facts="销售假冒口罩",
        severity="serious"), actor=bob, source="form")
    job = ImportJob.objects.create(unit=unit, created_by=bob, file_name="三月处罚.xlsx",
                                   file_path="", sha256="0" * 64)
    record("import.done", actor=bob, obj=job, via="task", summary="批量文件 三月处罚.xlsx：完成")
    rows = rows_of(office)
    assert rows[0]["action"] == "批量导入完成" and rows[0]["via"] == "后台任务"
    assert rows[0]["object"] == "批量导入 三月处罚.xlsx"
    assert rows[0]["link"] == f"/records/imports/{job.pk}/"
    assert rows[1]["action"] == "报送信用记录"
    assert rows[1]["object"] == "信用记录 榕马市监罚〔2020〕12号（福州马尾康宁医疗器械有限公司）"
    assert rows[1]["link"] == f"/records/{rec.pk}/"
    # The links lead somewhere the office may go.
    assert office.get(rows[0]["link"]).status_code == 200
    assert office.get(rows[1]["link"]).status_code == 200


def test_a_person_object_is_masked(office: Client, person: Subject) -> None:
    record("subject.read_full", actor=None, obj=person, summary="查看自然人完整信息")
    [row] = rows_of(office)
    assert row["action"] == "查看自然人完整信息"
    assert row["object"] == "信用主体 张三（110105********002X）"
    assert row["link"] == f"/subjects/{person.pk}/"
    assert PERSON_CODE not in office.get("/office/audit/").content.decode()


def test_gone_and_unknown_objects_and_codes_still_show(office: Client, unit: Unit) -> None:
    AuditEvent.objects.create(action="something.new", object_type="accounts.unit",
                              object_id="999999", summary="一个新操作")
    AuditEvent.objects.create(action="unit.create", object_type="nowhere.thing", object_id="7")
    AuditEvent.objects.create(action="unit.create", object_type="accounts.unit", object_id="x")
    rows = rows_of(office)
    assert rows[2]["action"] == "something.new"  # an unknown code as it is
    assert rows[2]["object"] == "成员单位 #999999（已不存在）" and not rows[2]["link"]
    assert rows[1]["object"] == "nowhere.thing #7"
    assert rows[0]["object"] == "成员单位 #x（已不存在）"


def test_one_query_per_kind_of_object(office: Client, alice: User, make_user: Callable[..., User],
                                      institution: Any) -> None:
    for i in range(20):
        user = make_user(f"u{i}", Role.INSTITUTION, institution=institution)
        record("user.create", actor=alice, obj=user)
        record("unit.create", actor=alice, obj=alice.unit or Unit.objects.first())
    office.get("/office/audit/")  # warm the session
    with CaptureQueriesContext(connection) as queries:
        assert office.get("/office/audit/").status_code == 200
    looked_up = [q["sql"] for q in queries if "accounts_user" in q["sql"] and " IN (" in q["sql"]]
    assert len(looked_up) == 1, looked_up
    assert len(queries) < 15


# Filters


@pytest.fixture
def history(users: dict[str, User], alice: User) -> None:
    bob = users[Role.DEPARTMENT]
    token, _ = ApiToken.issue(bob, "报送系统")
    record("token.create", actor=alice, obj=token, summary="为 bob 创建接口令牌")
    record("token.revoke", actor=alice, obj=token, summary="吊销 bob 的接口令牌")
    record("user.unlock", actor=alice, obj=bob, summary="解除用户 bob 的登录锁定")
    record("record.export", actor=bob, summary="导出信用记录 3 条（Excel）")


def actions(client: Client, query: str) -> list[str]:
    return sorted(r["action"] for r in rows_of(client, query))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?action=token", ["创建接口令牌", "吊销接口令牌"]),
        ("?action=token.revoke", ["吊销接口令牌"]),
        ("?action=user", ["解除登录锁定"]),
        ("?q=吊销", ["吊销接口令牌"]),  # in the summary and the label
        ("?q=登录锁定", ["解除登录锁定"]),
        ("?q=导出", ["导出信用记录"]),
        ("?q=报送系统", []),  # the token's name is not in a summary
        ("?actor=bob", ["导出信用记录"]),
    ],
)
def test_filters(office: Client, history: None, query: str, expected: list[str]) -> None:
    assert actions(office, query) == sorted(expected)


def test_the_keyword_finds_a_label_not_in_the_summary(office: Client, alice: User) -> None:
    record("token.revoke", actor=alice, summary="xy_abc…")
    assert actions(office, "?q=吊销接口令牌") == ["吊销接口令牌"]


def test_the_action_select_is_grouped_and_keeps_its_value(office: Client, history: None) -> None:
    html = office.get("/office/audit/?action=token.revoke").content.decode()
    select = html.split('name="action"')[1].split("</select>")[0]
    assert '<optgroup label="接口令牌">' in select
    assert '<option value="token">全部接口令牌操作</option>' in select
    assert '<option value="token.revoke" selected>吊销接口令牌</option>' in select
    assert '<option value="user.unlock">解除登录锁定</option>' in select


def test_a_bad_action_or_date_range_says_so(office: Client, history: None) -> None:
    html = office.get("/office/audit/?action=no.such").content.decode()
    assert 'data-error-for="action"' in html and "没有符合条件的记录" in html
    html = office.get("/office/audit/?since=2026-03-05&until=2026-03-01").content.decode()
    assert "截止日期不能早于起始日期" in html


def test_one_objects_events(office: Client, history: None, users: dict[str, User]) -> None:
    bob = users[Role.DEPARTMENT]
    page = office.get(f"/office/users/{bob.pk}/").content.decode()
    link = f"/office/audit/?object=accounts.user:{bob.pk}"
    assert f'href="{link}"' in page
    html = office.get(link).content.decode()
    assert '只显示与用户“<span translate="no">bob</span>”有关的记录' in html
    assert actions(office, f"?object=accounts.user:{bob.pk}") == ["解除登录锁定"]
    assert 'data-error-for="object"' in office.get("/office/audit/?object=x").content.decode()


# Export


def workbook(response: Any) -> list[list[Any]]:
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name("审计日志").to_python()


def test_export_what_the_filter_shows(office: Client, history: None, alice: User) -> None:
    html = office.get("/office/audit/?action=token").content.decode()
    assert 'href="/office/audit/export.xlsx?action=token"' in html
    rows = workbook(office.get("/office/audit/export.xlsx?action=token"))
    assert rows[0] == ["时间", "操作人", "操作", "操作代码", "对象类型", "对象", "对象编号", "摘要",
                       "渠道", "来源地址"]
    assert [(r[2], r[3], r[4], r[8]) for r in rows[1:]] == [
        ("吊销接口令牌", "token.revoke", "接口令牌", "命令行"),
        ("创建接口令牌", "token.create", "接口令牌", "命令行")]
    assert rows[1][5].endswith("（报送系统）") and rows[1][1] == "alice（信用办）"
    [event] = AuditEvent.objects.filter(action="audit.export")
    assert event.actor == alice and event.summary == "导出审计日志 2 条（Excel）"
    assert event.detail == {"filters": {"action": "token"}, "count": 2, "sheets": 1}
    # The export is itself in the log, in words.
    assert rows_of(office)[0]["action"] == "导出审计日志"


def test_export_masks_id_numbers(office: Client, person: Subject) -> None:
    AuditEvent.objects.create(action="subject.lookup", object_type="subjects.subject",
                              object_id=str(person.pk), summary=f"旧摘要 {PERSON_CODE}")
    rows = workbook(office.get("/office/audit/export.xlsx"))
    assert all(PERSON_CODE not in str(cell) for row in rows for cell in row)
    assert "110105********002X" in rows[1][5] and "110105********002X" in rows[1][7]


def test_a_bad_filter_exports_nothing(office: Client) -> None:
    response = office.get("/office/audit/export.xlsx?since=bad")
    assert response.status_code == 302 and response["Location"] == "/office/audit/?since=bad"
    assert not AuditEvent.objects.filter(action="audit.export").exists()


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.SUBJECT, Role.INSTITUTION])
def test_export_is_for_the_office_only(users: dict[str, User], web: Callable[..., Client],
                                       role: str) -> None:
    assert web(users[role]).get("/office/audit/export.xlsx").status_code == 403
    assert Client().get("/office/audit/export.xlsx")["Location"].startswith("/login/")
    assert not AuditEvent.objects.exists()
