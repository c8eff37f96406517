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
