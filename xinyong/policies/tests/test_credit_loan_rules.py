"""信易贷 rules in the pack format (`credit_loans`): what a credit office may write, and the
refusals that name the field."""

from __future__ import annotations

from typing import Any

import pytest

from xinyong.policies import loader
from xinyong.policies.tests.test_loader import broken, problems_of

RULES = {"clause": "1", "grant_max_months": 6, "take_working_days": 3,
         "outcome_working_days": 10, "priority_flags": ["epidemic_hit"]}


def with_rules(**changes: Any) -> Any:
    return lambda data: data.update(credit_loans=RULES | changes)


def test_rules_parse(qingshi_text: str) -> None:
    pack = loader.parse(broken(qingshi_text, with_rules()), "qingshi-2024-3.yaml").pack
    assert pack.credit_loans is not None and pack.credit_loans.grant_max_months == 6
    assert pack.credit_loans.priority_flags == ["epidemic_hit"]


@pytest.mark.parametrize(("change", "expected"), [
    (with_rules(clause="9"), "credit_loans.clause：条款“9”不在 clauses 中"),
    (with_rules(grant_max_months=13), "credit_loans.grant_max_months"),
    (with_rules(take_working_days=0), "credit_loans.take_working_days"),
    (with_rules(priority_flags=["rich"]), "credit_loans.priority_flags：未知的主体情形 rich"),
    (lambda d: d.update(credit_loans={"clause": "1"}), "credit_loans.grant_max_months：必填"),
    (lambda d: d["clauses"][0]["implemented_by"].append({"kind": "credit_loans", "ref": "credit_loans"}),
     "本规则包没有 credit_loans“credit_loans”"),
])
def test_broken_rules_name_the_field(qingshi_text: str, change: Any, expected: str) -> None:
    found = problems_of(broken(qingshi_text, change))
    assert any(expected in p for p in found), found


def test_the_shipped_rules_cite_their_clause(shipped_packs: list[Any]) -> None:
    defaults = next(p for p in shipped_packs if p.id == "platform-defaults")
    assert defaults.credit_loans is not None and defaults.credit_loans.grant_max_months == 12
    clause = next(c for c in defaults.clauses if c.id == defaults.credit_loans.clause)
    assert "最长12个月" in clause.text and "5个工作日" in clause.text and "15个工作日" in clause.text
