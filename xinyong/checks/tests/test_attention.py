"""Every published finding is answered: measures with their clause, `records_in_force`, the
verdict `attention` where no measure applies, and measures only from the caller's packs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from xinyong.accounts.models import Role, Unit, User
from xinyong.lists.models import Membership
from xinyong.records import services

ORG = "91320585MA1N000039"
PERSON = "11010519491231002X"


def report(unit: Unit, behavior: str, severity: str = "general", *, code: str = ORG,
           kind: str = "organization", number: str = "太市监罚〔2026〕21号") -> Any:
    decided = timezone.localdate() - dt.timedelta(days=20)
    record, _ = services.submit(unit, services.Submission(
        subject_kind=kind, subject_name="张三" if kind == "person" else "太仓娄江纺织进出口有限公司",
        subject_code=code, behavior=behavior, occurred_on=decided - dt.timedelta(days=3),
        decided_on=decided, decision_no=number, facts="", severity=severity))
    return record


def check(client: Any, scenario: str, code: str = ORG) -> dict[str, Any]:
    response = client.post_json("/api/v1/checks", {"scenario": scenario, "subjects": [code]})
    assert response.status_code == 200, response.content
    return response.json()["results"][0]  # type: ignore[no-any-return]


@pytest.fixture
def taicang(users: dict[str, User], api: Callable[..., Any]) -> Any:
    return api(users[Role.DEPARTMENT])  # a 太仓 unit here (tests/conftest.py)


@pytest.fixture
def mawei(other_unit: Unit, make_user: Callable[..., User], api: Callable[..., Any]) -> Any:
    return api(make_user("mawei_checker", Role.DEPARTMENT, unit=other_unit))


def test_a_listed_subject_in_a_scenario_without_measures_is_attention(
        loaded: Any, unit: Unit, taicang: Any) -> None:
    record = report(unit, "tc_wildlife_trade", "serious")
    # What was seen: 未命中 (none) for a subject on the 联合惩戒 list.
    result = check(taicang, "land_transfer")
    assert result["measures"] == [] and result["lists"] == ["joint_punishment"]
    assert result["verdict"] == "attention"
    assert [r["id"] for r in result["records_in_force"]] == [record.pk]
    in_force = result["records_in_force"][0]
    assert (in_force["policy"], in_force["clause"]) == ("taicang-2020-1", "1")
    assert check(taicang, "government_procurement")["verdict"] == "restrict"


def test_measures_come_from_the_callers_packs_only(
        loaded: Any, unit: Unit, taicang: Any, mawei: Any, users: dict[str, User],
        api: Callable[..., Any]) -> None:
    report(unit, "tc_wildlife_trade", "serious")
    inside = check(taicang, "government_procurement")
    assert [m["code"] for m in inside["measures"]] == ["tc_joint_punishment"]
    outside = check(mawei, "government_procurement")
    assert outside["measures"] == [] and outside["verdict"] == "attention"
    assert outside["lists"] == ["joint_punishment"] and outside["records_in_force"]
    office = check(api(users[Role.OFFICE]), "government_procurement")
    assert office["verdict"] == "restrict"


@pytest.mark.parametrize(("behavior", "clause"), [
    ("tc_price_gouging", "2"), ("tc_hoarding", "2"), ("tc_unfair_competition", "1"),
    ("tc_counterfeit_medical_food_drugs", "1"),
])
def test_taicang_1_and_2_findings_are_punished_with_their_clause(
        loaded: Any, unit: Unit, taicang: Any, behavior: str, clause: str) -> None:
    report(unit, behavior)
    result = check(taicang, "inspection")
    assert result["verdict"] == "restrict"
    hit = result["measures"][0]
    assert (hit["policy"], hit["clause"], hit["kind"]) == ("taicang-2020-1", clause, "restrict")


def test_taicang_4_persons_are_punished(loaded: Any, unit: Unit, taicang: Any) -> None:
    report(unit, "tc_concealment", code=PERSON, kind="person")
    result = check(taicang, "honors", PERSON)
    assert [(m["code"], m["clause"]) for m in result["measures"]] == [("tc_personal_discipline", "4")]
    assert check(taicang, "bidding", PERSON)["verdict"] == "attention"


def test_serious_medical_counterfeiting_joins_joint_punishment(
        loaded: Any, unit: Unit, taicang: Any) -> None:
    record = report(unit, "tc_counterfeit_medical_food_drugs", "serious")
    membership = Membership.objects.get(record=record)
    assert (membership.list_code, membership.clause) == ("joint_punishment", "10")
    result = check(taicang, "government_procurement")
    assert [(m["code"], m["clause"]) for m in result["measures"]] == [("tc_joint_punishment", "10")]
    general = report(unit, "tc_counterfeit_medical_food_drugs", number="太市监罚〔2026〕22号",
                     code="91350100M000100Y43")
    assert not Membership.objects.filter(record=general).exists()


def test_records_in_force_leave_out_withdrawn_and_good_records(
        loaded: Any, unit: Unit, taicang: Any) -> None:
    kept = report(unit, "tc_price_gouging")
    gone = report(unit, "tc_hoarding", number="太市监罚〔2026〕23号")
    services.withdraw(gone, "复议撤销", actor=None)
    report(unit, "tc_donation", "minor", number="太表彰〔2026〕1号")
    result = check(taicang, "land_transfer")
    assert [r["id"] for r in result["records_in_force"]] == [kept.pk]
    assert result["verdict"] == "attention"


def test_the_result_page_says_attention(loaded: Any, unit: Unit, users: dict[str, User],
                                        taicang: Any, web: Callable[..., Any]) -> None:
    report(unit, "tc_wildlife_trade", "serious")
    check_id = taicang.post_json("/api/v1/checks", {"scenario": "land_transfer",
                                                   "subjects": [ORG]}).json()["id"]
    page = web(users[Role.DEPARTMENT]).get(f"/checks/{check_id}/").content.decode()
    assert 'data-verdict="attention"' in page and ">关注<" in page
    assert 'data-testid="records-in-force"' in page and 'data-testid="attention-note"' in page
    assert "未命中" not in page.split('data-verdict="attention"')[1].split("</tr>")[0]
