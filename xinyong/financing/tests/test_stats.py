"""The office's financing statistics equal counts made independently here."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from xinyong.accounts.models import Role, User

from .conftest import product

URL = "/api/v1/financing/needs"


def test_stats_equal_independent_counts(carol: User, bank: User, other_bank: User,
                                        users: dict[str, User], api: Callable[..., Any]) -> None:
    loan = product(bank, "诚信贷")
    posted = []
    for amount, flags in [("100", []), ("50", ["epidemic_hit"]), ("30", ["medical_supplies"]),
                          ("20", []), ("10", [])]:
        posted.append(api(carol).post_json(URL, {"amount_wan": amount, "term_months": 12,
                                                 "purpose": "流动资金", "priority_flags": flags}).json())
    api(bank).post_json(f"{URL}/{posted[0]['id']}/outcome",
                        {"status": "lent", "amount_wan": "80", "product": loan.pk})
    api(other_bank).post_json(f"{URL}/{posted[1]['id']}/outcome", {"status": "lent", "amount_wan": "50"})
    api(bank).post_json(f"{URL}/{posted[2]['id']}/outcome", {"status": "declined", "reason": "资料不全"})
    api(bank).post_json(f"{URL}/{posted[3]['id']}/accept", {})
    stats = api(users[Role.OFFICE]).get("/api/v1/financing/stats")
    assert stats.status_code == 200, stats.content
    body = stats.json()
    everything = body["all"]
    assert (everything["posted"], everything["waiting"], everything["taken"], everything["lent"],
            everything["declined"], everything["withdrawn"]) == (5, 1, 4, 2, 1, 0)
    assert Decimal(everything["amount_asked_wan"]) == Decimal("210")
    assert Decimal(everything["amount_lent_wan"]) == Decimal("130")
    assert everything["median_days_to_lend"] == 0 and everything["max_days_to_lend"] == 0
    priority = body["priority"]
    assert (priority["posted"], priority["lent"], priority["declined"]) == (2, 1, 1)
    assert Decimal(priority["amount_lent_wan"]) == Decimal("50")
    by_institution = {row["institution"]: row for row in body["by_institution"]}
    assert by_institution["示例农商银行马尾支行"]["taken"] == 3
    assert by_institution["示例农商银行马尾支行"]["lent"] == 1
    assert Decimal(by_institution["太仓示例村镇银行"]["amount_lent_wan"]) == Decimal("50")
    assert [(p["product"], p["loans"]) for p in body["by_product"]] == [("诚信贷", 1)]
    assert api(bank).get("/api/v1/financing/stats").status_code == 403


def test_stats_cost_the_same_queries_for_more_institutions(carol: User, bank: User,
                                                          make_user: Callable[..., User],
                                                          api: Callable[..., Any]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from conftest import BANK2_CODE
    from xinyong.accounts.models import Institution
    from xinyong.financing import services

    def lend(user: User, name: str) -> None:
        loan = product(user, name)
        need = api(carol).post_json(URL, {"amount_wan": "10", "term_months": 6, "purpose": "周转"}).json()
        api(user).post_json(f"{URL}/{need['id']}/outcome",
                            {"status": "lent", "amount_wan": "10", "product": loan.pk})

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            services.stats()
        return len(captured)

    lend(bank, "诚信贷")
    one = queries()
    others = [Institution.objects.create(code=BANK2_CODE[:-1] + ch, name=f"银行{ch}") for ch in "0123"]
    for i, institution in enumerate(others):
        lend(make_user(f"lender{i}", Role.INSTITUTION, institution=institution), f"贷{i}")
    assert len(services.stats()["by_institution"]) == 5 and len(services.stats()["by_product"]) == 5
    assert queries() == one
