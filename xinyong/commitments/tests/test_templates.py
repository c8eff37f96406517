"""Templates are pack data: those of the packs in force on a day, with their pack."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from xinyong.commitments import services


def test_templates_in_force_come_with_their_pack(loaded: Any) -> None:
    today = {t.code: t for t in services.templates_in_force(dt.date(2026, 12, 7))}
    assert {"fz_work_resumption", "fz_epidemic_integrity", "tc_price_discipline",
            "tc_work_resumption", "credit_repair"} <= set(today)
    fz = today["fz_work_resumption"]
    assert (fz.policy, fz.doc_number, fz.template.clause) == (
        "fuzhou-2020-4", "榕发改信用〔2020〕4号", "一.2")
    assert fz.needs_matter and fz.needs_unit and fz.kind_label == "审批替代型（告知承诺）"
    # The repair letter is the platform's, in force under both repair regimes.
    assert today["credit_repair"].policy == "platform-defaults"
    assert [t.code for t in services.templates_in_force(dt.date(2026, 12, 7))].count("credit_repair") == 1
    # Before 福州's notice began, none of its letters.
    assert {t.code for t in services.templates_in_force(dt.date(2020, 1, 1))} == {"credit_repair"}


def test_the_api_lists_templates_in_the_contracts_fields(loaded: Any, api: Callable[..., Any]) -> None:
    body = api(None).get("/api/v1/commitments/templates").json()
    fz = next(t for t in body if t["code"] == "fz_work_resumption")
    assert {k: fz[k] for k in ("code", "name", "kind", "policy", "clause")} == {
        "code": "fz_work_resumption", "name": "复工复产信用承诺书（告知承诺）", "kind": "approval",
        "policy": "fuzhou-2020-4", "clause": "一.2"}
    assert "{主体名称}" in fz["text"] and fz["breach_behavior"] == "fz_work_resumption_breach"
    assert fz["verification_methods"] == ["书面核查", "网络核验", "实地调查", "公示核查"]
    assert fz["verify_within_months"] == 3 and fz["kind_label"] == "审批替代型（告知承诺）"
