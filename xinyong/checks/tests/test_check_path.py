"""The single check's fast path (issue 19): three statements (the token, the look-up with
the key of the rules in force, the log row); the log row written by one INSERT is the row
the model would write; the rules a check applies are those in force at that moment (a
pack loaded or an event recorded between two checks is applied by the second); on
PostgreSQL the two look-ups are prepared on the connection."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from xinyong.accounts.models import Role
from xinyong.checks import services as checks
from xinyong.checks.models import Check
from xinyong.policies import events, loader
from xinyong.records import services
from xinyong.scores.refresh import refresh
from xinyong.subjects.models import Subject

from .test_checks import TODAY, org_code

TAICANG_PACK = loader.PACKS_DIR / "taicang-2020-1.yaml"


@pytest.fixture
def punished(loaded: Any, unit: Any) -> Any:
    return services.submit(unit, services.Submission(
        subject_kind="organization", subject_name="野生动物经营公司", subject_code=org_code(1),
        behavior="tc_wildlife_trade", occurred_on=dt.date(2026, 9, 1),
        decided_on=dt.date(2026, 9, 10), decision_no="太农罚〔2026〕1号", facts="",
        severity="serious"), today=TODAY)[0]


def check(client: Any, scenario: str, *codes: str) -> Any:
    return client.post_json("/api/v1/checks", {"scenario": scenario, "subjects": list(codes),
                                               "as_of": "2026-11-22"})


def test_the_log_row_is_what_the_api_answered(punished: Any, users: Any,
                                              api: Callable[..., Any]) -> None:
    before = timezone.now()
    user = users[Role.DEPARTMENT]
    answer = check(api(user), "honors", org_code(1), org_code(2), "9135").json()
    row = Check.objects.get(pk=answer["id"])
    # The answer adds the inspection grade's null outside the inspection scenario.
    assert row.results == [{k: v for k, v in r.items() if k != "grade"} for r in answer["results"]]
    assert (row.user_id, row.unit_id, row.institution_id, row.scenario, row.as_of) == (
        user.pk, user.unit_id, None, "honors", dt.date(2026, 11, 22))
    assert (row.region, row.subject_count, row.restricted, row.incentivised) == (
        user.unit.region, 3, 1, 0)
    assert before <= row.created_at <= timezone.now()


@pytest.mark.parametrize("scenario", ["honors", "bidding", "inspection"])
def test_the_answer_is_byte_for_byte_what_the_schemas_render(
        punished: Any, users: Any, api: Callable[..., Any], person: Any, scenario: str) -> None:
    """POST answers without validating the results again; GET of the same check renders
    the stored row through the response schemas: the two bodies and types are the same."""
    Subject.objects.filter(pk=punished.subject_id).update(scale="small")
    refresh()  # stored grades, for the inspection scenario
    client = api(users[Role.OFFICE])
    posted = client.post_json("/api/v1/checks", {"scenario": scenario, "subjects": [
        org_code(1), org_code(2), "91350100M000100Y4X", "11010519491231002X",
        "11010519491231003X", org_code(1)]})
    assert posted.status_code == 200
    got = client.get(f"/api/v1/checks/{posted.json()['id']}")
    assert posted.content == got.content
    assert posted["Content-Type"] == got["Content-Type"]
    results = posted.json()["results"]
    assert results[0]["records_in_force"] and results[0]["verdict"] != "none"
    assert (results[0]["grade"] is not None) == (scenario == "inspection")


def test_run_check_returns_the_stored_row(punished: Any, users: Any) -> None:
    made = checks.run_check(users[Role.OFFICE], "honors", [org_code(1)], TODAY)
    stored = Check.objects.get(pk=made.pk)
    for f in Check._meta.concrete_fields:
        assert getattr(made, f.attname) == getattr(stored, f.attname), f.name
    assert made.results[0]["verdict"] == "restrict" and made.region == "*"
    assert not made._state.adding  # a saved row: saving it again updates, never inserts


def test_an_institution_check_is_logged_with_its_institution(
        loaded: Any, users: Any, api: Callable[..., Any], institution: Any) -> None:
    answer = check(api(users[Role.INSTITUTION]), "credit_loans", org_code(1)).json()
    row = Check.objects.get(pk=answer["id"])
    assert (row.institution_id, row.unit_id, row.region) == (
        institution.pk, None, institution.region)


def test_a_pack_loaded_between_two_checks_is_applied_by_the_second(
        punished: Any, users: Any, api: Callable[..., Any]) -> None:
    client = api(users[Role.OFFICE])

    def texts() -> set[str]:
        result = check(client, "honors", org_code(1)).json()["results"][0]
        return {m["text"] for m in result["measures"]}

    first = texts()  # the rulebook is now built and cached in this process
    text = TAICANG_PACK.read_text(encoding="utf-8")
    old = "列为重点监管对象，限制参加评优评先"
    assert old in text and any(old in t for t in first)
    loader.load([loader.parse(text.replace(old, "列为重点监管对象，暂停评优评先"), "tc.yaml")])
    second = texts()
    assert any("暂停评优评先" in t for t in second)
    assert not any(old in t for t in second)


def test_an_event_recorded_between_two_checks_is_applied_by_the_second(
        punished: Any, users: Any, api: Callable[..., Any]) -> None:
    client = api(users[Role.OFFICE])

    def measures() -> set[str]:
        result = check(client, "honors", org_code(1)).json()["results"][0]
        return {m["code"] for m in result["measures"]}

    assert "tc_market_order_discipline" in measures()
    # The end of the emergency response ends the 太仓 notice, and its measures with it.
    events.record_event("jiangsu_epidemic_response_end", dt.date(2026, 10, 1))
    assert "tc_market_order_discipline" not in measures()


def test_a_scenario_of_a_newly_loaded_pack_is_accepted_by_the_next_check(
        db: Any, users: Any, api: Callable[..., Any], qingshi_text: str) -> None:
    loader.load_shipped()
    client = api(users[Role.OFFICE])
    refused = check(client, "construction_permits", org_code(1))
    assert refused.status_code == 422 and "未知场景" in refused.json()["detail"]
    loader.load([loader.parse(qingshi_text, "q.yaml")])
    assert check(client, "construction_permits", org_code(1)).status_code == 200


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares them")
def test_the_hot_statements_are_prepared_once_on_the_connection(
        punished: Any, users: Any, api: Callable[..., Any]) -> None:
    client = api(users[Role.DEPARTMENT])
    for _ in range(3):
        assert check(client, "honors", org_code(1)).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE %s", ["xinyong_%"])
        names = {row[0] for row in cursor.fetchall()}
    assert {"xinyong_token_user", "xinyong_check_lookup_rules"} <= names


def test_a_single_check_is_three_statements(punished: Any, users: Any, api: Callable[..., Any],
                                            django_assert_num_queries: Any) -> None:
    """The token's look-up; the subject's with the key of the rules in force; the log row."""
    client = api(users[Role.DEPARTMENT])
    check(client, "honors", org_code(1))  # the rules built, the token's last use written
    with django_assert_num_queries(3):
        assert check(client, "honors", org_code(1)).status_code == 200
