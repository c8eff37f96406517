"""Commitment letters, the commitment route's rule and force-majeure limits in the pack
format: what a credit office may write, and the refusals that name the entry and field."""

from __future__ import annotations

from typing import Any

import pytest

from xinyong.policies import loader
from xinyong.policies.schema import MATTER_KINDS
from xinyong.policies.tests.test_loader import broken, problems_of

LETTER = {
    "code": "dust_pledge", "name": "扬尘治理信用承诺书", "kind": "approval", "clause": "1",
    "breach_behavior": "dust_control_refused", "verification_methods": ["实地调查"],
    "verify_within_months": 3,
    "text": "{主体名称}（{统一社会信用代码}）就“{承诺事项}”向{受理单位}承诺：落实扬尘治理。{承诺日期}",
}


def with_letter(**changes: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        data["commitment_templates"] = [LETTER | changes]
    return change


def test_a_letter_with_its_rules_parses(qingshi_text: str) -> None:
    text = broken(qingshi_text, lambda d: (
        with_letter()(d),
        d.update(commitment_rules={"clause": "1", "barred_after_breach": list(MATTER_KINDS),
                                   "remind_every_days": 14},
                 force_majeure={"clause": "1", "accept_working_days": 1, "decide_working_days": 2})))
    pack = loader.parse(text, "qingshi-2024-3.yaml").pack
    letter = pack.commitment_templates[0]
    assert letter.blanks == ["主体名称", "统一社会信用代码", "承诺事项", "受理单位", "承诺日期"]
    assert pack.commitment_rules is not None and pack.commitment_rules.remind_every_days == 14
    assert pack.force_majeure is not None and pack.force_majeure.unit is None


@pytest.mark.parametrize(("change", "expected"), [
    (with_letter(text="{主体名称}承诺{签字}"),
     "commitment_templates[0]（dust_pledge）.text：未知空格“{签字}”"),
    (with_letter(text="{主体名称}承诺，{承诺日期"),
     "commitment_templates[0]（dust_pledge）.text：空格写法有误"),
    (with_letter(text="{主体名称}承诺落实扬尘治理"),
     "commitment_templates[0]（dust_pledge）.text：审批替代型（告知承诺）的承诺书须有 {承诺事项} 空格"),
    (with_letter(breach_behavior="nope"),
     "commitment_templates[0]（dust_pledge）.breach_behavior：本规则包没有行为“nope”"),
    (with_letter(verification_methods=[]),
     "commitment_templates[0]（dust_pledge）.verification_methods：告知承诺须列出核查方式"),
    (with_letter(verification_methods=["电话核查"]),
     "commitment_templates[0]（dust_pledge）.verification_methods[0]：取值“电话核查”无效"),
    (with_letter(kind="promise"), "commitment_templates[0]（dust_pledge）.kind：取值“promise”无效"),
    (with_letter(clause="9"), "commitment_templates[0]（dust_pledge）.clause：条款“9”不在 clauses 中"),
    (lambda d: d.update(commitment_templates=[LETTER, LETTER]), "commitment_templates：“dust_pledge”重复"),
    (lambda d: d.update(commitment_rules={"clause": "9", "remind_every_days": 7}),
     "commitment_rules.clause：条款“9”不在 clauses 中"),
    (lambda d: d.update(commitment_rules={"clause": "1"}), "commitment_rules.remind_every_days：必填"),
    (lambda d: d.update(force_majeure={"clause": "1", "unit": "not-a-code", "accept_working_days": 1,
                                       "decide_working_days": 2}), "force_majeure.unit"),
    (lambda d: d["clauses"][0]["implemented_by"].append({"kind": "commitment_template", "ref": "none"}),
     "本规则包没有 commitment_template“none”"),
])
def test_broken_letters_name_entry_and_field(qingshi_text: str, change: Any, expected: str) -> None:
    found = problems_of(broken(qingshi_text, change))
    assert any(expected in p for p in found), found


def test_a_breach_must_be_a_dishonest_behaviour(qingshi_text: str) -> None:
    def good_behaviour(d: dict[str, Any]) -> None:
        with_letter()(d)
        d["behaviors"][0]["polarity"] = "good"
    found = problems_of(broken(qingshi_text, good_behaviour))
    assert any("breach_behavior：违诺须记为失信行为" in p for p in found), found
