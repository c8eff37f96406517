"""Licence pages: the unit's list, the form, the licence page with correction and withdrawal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from xinyong.accounts.models import Role
from xinyong.conftest_helpers import licence_submission as licence
from xinyong.licences import services
from xinyong.licences.models import Licence
from xinyong.licences.tests.conftest import AUTHORITY_CODE, SHOP_CODE


def html(response: Any) -> str:
    return response.content.decode()


def form_data(**changes: Any) -> dict[str, Any]:
    data = {"subject_kind": "individual_business", "subject_name": "马尾丁记小吃店",
            "subject_code": SHOP_CODE, "legal_rep": "", "legal_rep_id": "",
            "decision_no": "榕马市监许〔2026〕501号", "decision_name": "食品经营许可决定书",
            "kind": "普通", "licence_name": "食品经营许可证", "licence_no": "JY23501050012345",
            "content": "热食类食品制售", "decided_on": "2026-11-10", "valid_from": "",
            "valid_to": "2031-11-09", "authority_name": "福州市马尾区市场监督管理局",
            "authority_code": AUTHORITY_CODE, "remarks": "", "external_id": ""}
    data.update(changes)
    return data


@pytest.fixture
def dept(users: dict[str, Any]) -> Any:
    return users[Role.DEPARTMENT]


def test_form_submits_and_repeats(dept: Any, web: Callable[..., Client]) -> None:
    client = web(dept)
    assert 'name="kind"' in html(client.get("/licences/new/"))
    response = client.post("/licences/new/", form_data())
    found = Licence.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/licences/{found.pk}/"
    assert found.source == "form" and found.valid_from.isoformat() == "2026-11-10"
    again = client.post("/licences/new/", form_data())
    assert again.status_code == 200 and "已存在相同的许可信息" in html(again)
    assert Licence.objects.count() == 1


@pytest.mark.parametrize(("changes", "field"), [
    ({"kind": ""}, "kind"), ({"subject_code": "92350105MA2Y000210"}, "subject_code"),
    ({"valid_to": "2020-01-01"}, "valid_to"), ({"authority_code": "123"}, "authority_code"),
    ({"decided_on": "2099-01-01"}, "decided_on"), ({"legal_rep_id": "110105194912310021"}, "legal_rep_id"),
])
def test_form_errors_name_the_field(dept: Any, web: Callable[..., Client], changes: dict[str, Any],
                                    field: str) -> None:
    response = web(dept).post("/licences/new/", form_data(**changes))
    assert response.status_code == 422
    assert field in response.context["form"].errors, response.context["form"].errors
    assert f'data-error-for="{field}"' in html(response)
    assert not Licence.objects.exists()


def test_list_and_page_by_role(unit: Any, other_unit: Any, users: dict[str, Any],
                               web: Callable[..., Client]) -> None:
    mine, _ = services.submit(unit, licence())
    theirs, _ = services.submit(other_unit, licence(decision_no="榕马发改许〔2026〕1号"))
    page = html(web(users[Role.DEPARTMENT]).get("/licences/"))
    assert f"/licences/{mine.pk}/" in page and f"/licences/{theirs.pk}/" not in page
    office = html(web(users[Role.OFFICE]).get("/licences/?q=市监许"))
    assert f"/licences/{mine.pk}/" in office and f"/licences/{theirs.pk}/" not in office
    public = web().get(f"/licences/{mine.pk}/")
    assert public.status_code == 200 and "食品经营许可证" in html(public)
    assert "不作为失信记录" in html(public) and 'data-testid="history"' not in html(public)
    assert web().get("/licences/").status_code in (302, 403)


def test_correct_and_withdraw_on_the_page(unit: Any, dept: Any, web: Callable[..., Client]) -> None:
    found, _ = services.submit(unit, licence())
    client = web(dept)
    form = client.get(f"/licences/{found.pk}/").context["forms"]["correct"]
    data = {f"correct-{k}": ("" if v is None else v) for k, v in form.initial.items()}
    data.update({"action": "correct", "correct-licence_no": "JY2350105009", "correct-reason": ""})
    refused = client.post(f"/licences/{found.pk}/", data)
    assert refused.status_code == 422 and 'data-error-for="reason"' in html(refused)
    done = client.post(f"/licences/{found.pk}/", {**data, "correct-reason": "编号录入错误"})
    assert done.status_code == 302
    found.refresh_from_db()
    assert (found.licence_no, found.version) == ("JY2350105009", 2)
    history = html(client.get(f"/licences/{found.pk}/")).split('data-testid="history"', 1)[1]
    assert "编号录入错误" in history and "v2" in history
    client.post(f"/licences/{found.pk}/", {"action": "withdraw", "withdraw-reason": "许可已撤销"})
    found.refresh_from_db()
    assert found.status == "withdrawn"
    assert web().get(f"/licences/{found.pk}/").status_code == 404
