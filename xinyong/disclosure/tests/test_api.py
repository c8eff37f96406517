"""GET /api/v1/publicity/penalties and /licences (public, paged)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def test_penalties_page(entries: dict[str, Any], api: Callable[..., Any]) -> None:
    response = api().get("/api/v1/publicity/penalties?q=甲餐饮")
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["total"], data["total_capped"], data["page"]) == (1, False, 1)
    item = data["items"][0]
    assert item["decision_no"] == "榕马市监罚〔2026〕801号" and item["category"] == ["罚款"]
    assert item["fine_wan"] == "5" and item["authority"] == "马尾区市场监管局"
    assert set(item) >= {"name", "code_masked", "decision_no", "category", "content", "authority",
                         "decided_on"}


def test_a_persons_entry_is_masked(entries: dict[str, Any], api: Callable[..., Any]) -> None:
    data = api().get(f"/api/v1/publicity/penalties/{entries['person'].pk}").json()
    assert data["name"] == "陈*" and "陈明" not in str(data) and "3010" in data["code_masked"]


def test_what_is_not_published_is_404(entries: dict[str, Any], api: Callable[..., Any]) -> None:
    for key in ("warned", "withdrawn"):
        assert api().get(f"/api/v1/publicity/penalties/{entries[key].pk}").status_code == 404
    assert api().get(f"/api/v1/publicity/licences/{entries['licence_gone'].pk}").status_code == 404


def test_licences_page_and_bad_input(entries: dict[str, Any], api: Callable[..., Any]) -> None:
    data = api().get("/api/v1/publicity/licences?category=普通").json()
    assert [i["decision_no"] for i in data["items"]] == ["榕马市监许〔2026〕501号"]
    bad = api().get("/api/v1/publicity/licences?decided_from=2026-02-30")
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"][-1] == "decided_from"
    assert api().get("/api/v1/publicity/penalties?page_size=1000").status_code == 422
