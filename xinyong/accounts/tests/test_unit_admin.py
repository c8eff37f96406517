"""The office's unit list finds units by name or code and pages; a unit's name and 行政区划
can be edited (its 统一社会信用代码 is its identity and cannot); each change audited."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client

from conftest import MAWEI, TAICANG, UNIT2_CODE, UNIT_CODE
from xinyong.accounts.models import Role, Unit, User
from xinyong.audit.models import AuditEvent

from .test_office_pages import field_block, field_error


@pytest.fixture
def office(users: dict[str, User], web: Callable[..., Client]) -> Client:
    return web(users[Role.OFFICE])


def listed(client: Client, query: str = "") -> list[str]:
    html = client.get(f"/office/units/{query}").content.decode()
    return re.findall(r"<tr[^>]*><td>([^<]+)</td><td><code>", html)


def test_search_by_name_or_code(office: Client, unit: Unit, other_unit: Unit) -> None:
    assert listed(office) == ["发展和改革局", "市场监督管理局"]
    assert listed(office, "?q=改革") == ["发展和改革局"]
    assert listed(office, f"?q={UNIT_CODE[-8:]}") == ["市场监督管理局"]
    assert listed(office, "?q=00001p") == ["发展和改革局"]  # in lower case
    assert listed(office, "?q=1135 0105 0030 0000 41") == ["市场监督管理局"]  # typed in groups
    Unit.objects.filter(pk=other_unit.pk).update(is_active=False)
    assert listed(office, "?active=0") == ["发展和改革局"]
    assert listed(office, "?active=1") == ["市场监督管理局"]
    html = office.get("/office/units/?q=没有这个").content.decode()
    assert "没有符合条件的成员单位" in html and 'value="没有这个"' in html


def test_the_list_pages(office: Client, unit: Unit) -> None:
    Unit.objects.bulk_create(Unit(name=f"单位{i:02}", code=f"X{i:017}") for i in range(55))
    html = office.get("/office/units/").content.decode()
    assert "共 56 个" in html and 'href="?page=2"' in html
    assert len(listed(office)) == 50 and len(listed(office, "?page=2")) == 6
    assert "共 55 个" in office.get("/office/units/?q=单位").content.decode()


def test_edit_name_and_region(office: Client, unit: Unit, users: dict[str, User]) -> None:
    html = office.get("/office/units/").content.decode()
    assert f'href="/office/units/{unit.pk}/edit/"' in html
    page = office.get(f"/office/units/{unit.pk}/edit/").content.decode()
    assert UNIT_CODE in page and "不能修改" in page
    assert 'name="code"' not in page  # the code is shown, not a field
    assert 'value="市场监督管理局"' in field_block(page, "name")
    response = office.post(f"/office/units/{unit.pk}/edit/",
                           {"name": "市场监督管理局（知识产权局）", "region": TAICANG, "code": UNIT2_CODE})
    assert response.status_code == 302 and response["Location"] == "/office/units/"
    unit.refresh_from_db()
    assert (unit.name, unit.region, unit.code) == ("市场监督管理局（知识产权局）", TAICANG, UNIT_CODE)
    [event] = AuditEvent.objects.filter(action="unit.update")
    assert event.actor == users[Role.OFFICE] and event.object_id == str(unit.pk)
    assert event.summary.startswith(
        "修改成员单位 市场监督管理局：名称：市场监督管理局 → 市场监督管理局（知识产权局）；行政区划：")
    assert event.detail == {"before": {"name": "市场监督管理局", "region": MAWEI},
                            "after": {"name": "市场监督管理局（知识产权局）", "region": TAICANG}}
    # Nothing changed: nothing recorded.
    office.post(f"/office/units/{unit.pk}/edit/", {"name": unit.name, "region": TAICANG})
    assert AuditEvent.objects.filter(action="unit.update").count() == 1


@pytest.mark.parametrize(
    ("data", "field", "says"),
    [({"name": "", "region": MAWEI}, "name", "这个字段是必填项"),
     ({"name": "发展和改革局", "region": MAWEI}, "name", "已存在"),
     ({"name": "市场监督管理局", "region": "35010"}, "region", "应为 6 位数字")],
)
def test_edit_errors_next_to_the_field(office: Client, unit: Unit, other_unit: Unit,
                                       data: dict[str, str], field: str, says: str) -> None:
    response = office.post(f"/office/units/{unit.pk}/edit/", data)
    assert response.status_code == 200
    assert says in field_error(response.content.decode(), field)
    unit.refresh_from_db()
    assert unit.name == "市场监督管理局" and not AuditEvent.objects.exists()


def test_edit_unknown_unit_is_404(office: Client) -> None:
    assert office.get("/office/units/999999/edit/").status_code == 404
