"""/api/v1/exchange: cut, file, ack (office only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xinyong.accounts.models import Role
from xinyong.audit.models import AuditEvent


def test_the_office_cuts_downloads_and_acknowledges(reported: dict[str, Any],
                                                    users: dict[str, Any],
                                                    api: Callable[..., Any]) -> None:
    office = api(users[Role.OFFICE])
    cut = office.post_json("/api/v1/exchange/batches", {})
    assert cut.status_code == 201, cut.content
    data = cut.json()
    assert set(data) == {"id", "since", "count"} and data["count"] == 3 and data["since"] is None
    csv = office.get(f"/api/v1/exchange/batches/{data['id']}/file?format=csv")
    assert csv.status_code == 200 and "行政处罚决定书文号" in csv.content.decode("utf-8-sig")
    xlsx = office.get(f"/api/v1/exchange/batches/{data['id']}/file?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert AuditEvent.objects.filter(action="exchange.download").count() == 2
    bad = office.get(f"/api/v1/exchange/batches/{data['id']}/file?format=pdf")
    assert bad.status_code == 422
    ack = office.post_json(f"/api/v1/exchange/batches/{data['id']}/ack",
                           {"accepted": 2, "rejected": [{"row": 3, "msg": "许可机关代码有误"}]})
    assert ack.status_code == 200, ack.content
    assert ack.json()["rejected"] == [{"row": 3, "msg": "许可机关代码有误", "resolved": False}]
    again = office.post_json(f"/api/v1/exchange/batches/{data['id']}/ack", {"accepted": 3})
    assert again.status_code == 409
    wrong = office.post_json("/api/v1/exchange/batches/999/ack", {"accepted": 3})
    assert wrong.status_code == 404


def test_only_the_office(reported: dict[str, Any], users: dict[str, Any],
                         api: Callable[..., Any]) -> None:
    assert api(users[Role.DEPARTMENT]).post_json("/api/v1/exchange/batches", {}).status_code == 403
    assert api().post_json("/api/v1/exchange/batches", {}).status_code == 401


def test_the_units_returned_rows_page(reported: dict[str, Any], users: dict[str, Any],
                                      web: Callable[..., Any]) -> None:
    from xinyong.exchange import batches

    batch = batches.cut(users[Role.OFFICE])
    batches.acknowledge(batch.pk, 2, [{"row": 1, "msg": "名称与登记不符"}])
    page = web(users[Role.DEPARTMENT]).get("/exchange/returned/").content.decode()
    assert "名称与登记不符" in page and "待处理 1 条" in page
    office_page = web(users[Role.OFFICE]).get(f"/exchange/{batch.pk}/").content.decode()
    assert "退回 1 条" in office_page and "待单位处理" in office_page
    listing = web(users[Role.OFFICE]).get("/exchange/").content.decode()
    assert f"第 {batch.pk} 批" in listing
    assert web(users[Role.DEPARTMENT]).get("/exchange/").status_code == 403


def test_returned_rows_are_on_the_units_home_page(reported: dict[str, Any],
                                                  users: dict[str, Any],
                                                  web: Callable[..., Any]) -> None:
    from xinyong.exchange import batches

    batch = batches.cut(users[Role.OFFICE])
    assert 'data-testid="returned"' not in web(users[Role.DEPARTMENT]).get("/").content.decode()
    batches.acknowledge(batch.pk, 2, [{"row": 1, "msg": "名称与登记不符"}])
    home = web(users[Role.DEPARTMENT]).get("/").content.decode()
    assert "上级平台退回 1 条" in home


def test_the_office_page_asks_the_same_for_many_batches(reported: dict[str, Any],
                                                       users: dict[str, Any],
                                                       web: Callable[..., Any]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xinyong.exchange import batches

    client = web(users[Role.OFFICE])

    def queries() -> int:
        with CaptureQueriesContext(connection) as seen:
            assert client.get("/exchange/").status_code == 200
        return len(seen)

    first = batches.cut()
    batches.acknowledge(first.pk, 2, [{"row": 1, "msg": "名称与登记不符"}])
    one = queries()
    for _ in range(3):
        batches.acknowledge(batches.cut().pk, 0, [])  # empty, acknowledged batches
    assert queries() == one
    assert "退回 1 条" in client.get("/exchange/").content.decode()
