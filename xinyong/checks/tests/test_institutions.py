"""Checks for lending (信易贷): institutions check in `credit_loans` only, with the measures
of the packs governing their region, see their own institution's checks and give feedback
as other callers do."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from conftest import ORG_CODE
from xinyong.accounts.models import Institution, Role, User
from xinyong.checks.models import Check

URL = "/api/v1/checks"


@pytest.fixture
def tc_bank(make_user: Callable[..., User], other_institution: Institution, loaded: Any) -> User:
    """A bank in 太仓, whose notice gives 信易贷 incentives (太仓 7: tc_credit_loans)."""
    return make_user("erin", Role.INSTITUTION, institution=other_institution)


def test_institutions_check_in_credit_loans_only(users: dict[str, User], tc_bank: User,
                                                 api: Callable[..., Any]) -> None:
    done = api(tc_bank).post_json(URL, {"scenario": "credit_loans", "subjects": [ORG_CODE]})
    assert done.status_code == 200, done.content
    refused = api(tc_bank).post_json(URL, {"scenario": "government_procurement", "subjects": [ORG_CODE]})
    assert refused.status_code == 403
    assert "credit_loans" in refused.json()["detail"] and Check.objects.count() == 1
    check = Check.objects.get()
    assert check.institution_id == tc_bank.institution_id and check.unit_id is None
    assert check.region == "320585"
    # Its own institution's checks only.
    assert api(tc_bank).get(f"{URL}/{check.pk}").status_code == 200
    assert api(users[Role.INSTITUTION]).get(f"{URL}/{check.pk}").status_code == 404
    assert api(users[Role.DEPARTMENT]).get(f"{URL}/{check.pk}").status_code == 404
    assert api(users[Role.OFFICE]).get(f"{URL}/{check.pk}").status_code == 200


def test_an_honest_firm_gets_the_loan_incentive_and_feedback_is_kept(
        users: dict[str, User], tc_bank: User, taicang_unit: Any, api: Callable[..., Any]) -> None:
    import datetime as dt

    from xinyong.records import services as records

    today = dt.date.today()
    subject = users[Role.SUBJECT].subject
    records.submit(taicang_unit, records.Submission(
        subject_kind=subject.kind, subject_name=subject.name, subject_code=subject.full_code(),
        behavior="tc_donation", occurred_on=today - dt.timedelta(days=5),
        decided_on=today - dt.timedelta(days=3), decision_no="太表〔2026〕1号", facts="捐赠防疫物资",
        severity="general"), today=today)
    answer = api(tc_bank).post_json(URL, {"scenario": "credit_loans", "subjects": [ORG_CODE]}).json()
    result = answer["results"][0]
    assert result["verdict"] == "incentive"
    assert [m["code"] for m in result["measures"]] == ["tc_credit_loans"]
    given = api(tc_bank).post_json(f"{URL}/{answer['id']}/feedback", {
        "subject_id": result["subject_id"], "measure": "tc_credit_loans", "applied": True,
        "note": "给予利率优惠"})
    assert given.status_code == 201, given.content
