"""What the public 双公示 pages show, search and filter (disclosure/queries.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from xinyong.disclosure import queries
from xinyong.disclosure.tests.conftest import ORG_A, PERSON_ID


def numbers(rows: Any) -> list[str]:
    return [row.decision_no for row in rows]


def test_only_published_penalties_are_shown(entries: dict[str, Any]) -> None:
    assert entries["warned"].status == "exempted"  # 警告: minor, not published (2025 rules)
    shown = numbers(queries.penalties(queries.Filters()))
    # Newest decision first; on the same day, the latest reported first.
    assert shown == ["榕马市监罚〔2026〕804号", "榕马市监罚〔2026〕801号", "榕马发改罚〔2026〕802号"]


def test_a_person_is_masked_and_never_found_by_name(entries: dict[str, Any]) -> None:
    item = queries.penalty_item(entries["person"])
    assert (item["name"], item["code_masked"], item["subject_id"]) == ("陈*", "350105********3010", None)
    assert not queries.penalties(queries.Filters(q="陈明")).exists()
    assert not queries.penalties(queries.Filters(q=PERSON_ID)).exists()
    assert numbers(queries.penalties(queries.Filters(q="〔2026〕804"))) == ["榕马市监罚〔2026〕804号"]
    assert queries.licence_item(entries["licence_person"])["name"] == "陈*"
    assert not queries.licences(queries.Filters(q="陈明")).exists()


@pytest.mark.parametrize(("filters", "expected"), [
    (queries.Filters(q="甲餐饮"), ["榕马市监罚〔2026〕801号"]),
    (queries.Filters(q=ORG_A.lower()), ["榕马市监罚〔2026〕801号"]),
    (queries.Filters(q="802"), ["榕马发改罚〔2026〕802号"]),
    (queries.Filters(category="吊销许可证件"), ["榕马发改罚〔2026〕802号"]),
    (queries.Filters(category="罚款"), ["榕马市监罚〔2026〕804号", "榕马市监罚〔2026〕801号"]),
])
def test_penalty_search_and_filters(entries: dict[str, Any], filters: queries.Filters,
                                    expected: list[str]) -> None:
    assert numbers(queries.penalties(filters)) == expected


def test_filters_by_unit_and_date(entries: dict[str, Any], other_unit: Any) -> None:
    assert numbers(queries.penalties(queries.Filters(unit=other_unit.code))) == ["榕马发改罚〔2026〕802号"]
    ten_days_ago = timezone.localdate() - dt.timedelta(days=10)
    assert numbers(queries.penalties(queries.Filters(decided_to=ten_days_ago))) == ["榕马发改罚〔2026〕802号"]
    assert "榕马发改罚〔2026〕802号" not in numbers(
        queries.penalties(queries.Filters(decided_from=ten_days_ago)))


def test_licences_shown_until_withdrawn(entries: dict[str, Any]) -> None:
    assert sorted(numbers(queries.licences(queries.Filters()))) == [
        "榕马市监许〔2026〕501号", "榕马市监许〔2026〕502号"]
    assert numbers(queries.licences(queries.Filters(category="登记"))) == ["榕马市监许〔2026〕502号"]


def test_totals_stop_at_the_cap(entries: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queries, "COUNT_CAP", 2)
    data = queries.page_of(queries.penalties(queries.Filters()), 1, 1, queries.penalty_item)
    assert (data["total"], data["total_capped"], len(data["items"])) == (2, True, 1)
    data = queries.page_of(queries.penalties(queries.Filters(q="甲餐饮")), 9, 20, queries.penalty_item)
    assert (data["total"], data["total_capped"], data["page"]) == (1, False, 1)
