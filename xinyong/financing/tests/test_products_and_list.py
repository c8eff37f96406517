"""Products institutions publish, which of them a subject meets, and the opt-in list of
honest SMEs: a subject with a dishonest record in force is not on it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from xinyong.accounts.models import Institution, Role, Unit, User
from xinyong.financing import services
from xinyong.financing.models import HonestListing, Product
from xinyong.lib.errors import DomainError
from xinyong.records import services as records
from xinyong.subjects.models import Subject, get_or_create_subject

from .conftest import product

TODAY = dt.date.today()
ORG2 = "91350100M000100Y43"


def submit(unit: Unit, subject: Subject, behavior: str, number: str, severity: str) -> Any:
    return records.submit(unit, records.Submission(
        subject_kind=subject.kind, subject_name=subject.name, subject_code=subject.full_code(),
        behavior=behavior, occurred_on=TODAY - dt.timedelta(days=12),
        decided_on=TODAY - dt.timedelta(days=10), decision_no=number, facts="经查属实",
        severity=severity), today=TODAY)[0]


def test_publish_and_withdraw_a_product(bank: User, other_bank: User, loaded: Any,
                                        api: Callable[..., Any]) -> None:
    made = api(bank).post_json("/api/v1/financing/products", {
        "name": "抗疫保供贷", "amount_min_wan": "10", "amount_max_wan": "300",
        "term_min_months": 6, "term_max_months": 24, "rate_min": "3.05", "rate_max": "3.85",
        "targets": ["priority", "sme"]})
    assert made.status_code == 201, made.content
    assert made.json()["institution"] == "示例农商银行马尾支行"
    public = api(None).get("/api/v1/financing/products").json()
    assert [p["name"] for p in public] == ["抗疫保供贷"]
    assert api(other_bank).post(f"/api/v1/financing/products/{made.json()['id']}/withdraw").status_code == 404
    gone = api(bank).post(f"/api/v1/financing/products/{made.json()['id']}/withdraw")
    assert gone.status_code == 200 and gone.json()["status"] == "withdrawn"
    assert api(None).get("/api/v1/financing/products").json() == []
    assert len(api(bank).get("/api/v1/financing/products").json()) == 1  # its own, withdrawn
    # A deactivated institution's products are not offered.
    product(bank, "经营贷")
    assert len(api(None).get("/api/v1/financing/products").json()) == 1
    Institution.objects.filter(pk=bank.institution_id).update(is_active=False)
    assert api(None).get("/api/v1/financing/products").json() == []


@pytest.mark.parametrize(("changes", "field"), [
    ({"amount_min_wan": "600"}, "amount_max_wan"), ({"term_max_months": 1}, "term_max_months"),
    ({"rate_max": "40"}, "rate_max"), ({"targets": ["rich"]}, "targets"), ({"name": " "}, "name"),
])
def test_product_refusals_name_the_field(bank: User, loaded: Any, changes: dict[str, Any],
                                         field: str) -> None:
    with pytest.raises(DomainError) as refused:
        product(bank, **changes)
    assert refused.value.field == field
    assert not Product.objects.exists()


def test_only_institutions_publish(users: dict[str, User], loaded: Any) -> None:
    with pytest.raises(DomainError) as refused:
        product(users[Role.SUBJECT])
    assert refused.value.status == 403


def test_matching_products_follow_the_targets(bank: User, loaded: Any, organization: Subject,
                                              unit: Unit) -> None:
    any_firm = product(bank, "经营贷")
    honest_only = product(bank, "守信贷", targets=["honesty_incentive"])
    sme_only = product(bank, "小微贷", targets=["sme"])
    Subject.objects.filter(pk=organization.pk).update(scale="small")
    organization.refresh_from_db()
    names = {p.name for p in services.matching_products(organization, None, None, TODAY)}
    assert names == {any_firm.name, sme_only.name}
    submit(unit, organization, "fz_volunteer_contribution", "榕马表彰〔2026〕1号", "general")
    names = {p.name for p in services.matching_products(organization, None, None, TODAY)}
    assert honest_only.name in names
    # Amount outside every range: nothing.
    assert services.matching_products(organization, services.amount("900", "x"), None, TODAY) == []


def test_the_honest_list_excludes_a_subject_with_a_dishonest_record_in_force(
        users: dict[str, User], bank: User, loaded: Any, organization: Subject, unit: Unit,
        make_user: Callable[..., User], api: Callable[..., Any]) -> None:
    other, _ = get_or_create_subject("organization", ORG2, "福州示例贸易有限公司")
    other_user = make_user("olivia", Role.SUBJECT, subject=other)
    big, _ = get_or_create_subject("organization", "91350105MA2Y00002W", "福州大型集团")
    Subject.objects.filter(pk=big.pk).update(scale="large")
    for user in (users[Role.SUBJECT], other_user):
        joined = api(user).post_json("/api/v1/financing/honest-smes/me", {"note": "求流动资金"})
        assert joined.status_code == 200
    big_user = make_user("bigco", Role.SUBJECT, subject=big)
    assert api(big_user).post_json("/api/v1/financing/honest-smes/me", {}).status_code == 422
    listed = api(bank).get("/api/v1/financing/honest-smes").json()
    assert sorted(i["name"] for i in listed["items"]) == sorted([organization.name, other.name])
    # A dishonest record in force takes the subject off the list (it stays opted in).
    record = submit(unit, other, "fz_market_disruption", "榕马市监罚〔2026〕3号", "serious")
    assert record.status == "published"
    listed = api(bank).get("/api/v1/financing/honest-smes").json()
    assert [i["name"] for i in listed["items"]] == [organization.name]
    first = listed["items"][0]
    assert first["code"] == organization.full_code() and first["note"] == "求流动资金"
    records.withdraw(record, "认定错误", actor=users[Role.OFFICE], today=TODAY)
    assert api(bank).get("/api/v1/financing/honest-smes").json()["total"] == 2
    # Leaving the list.
    assert api(other_user).delete("/api/v1/financing/honest-smes/me").status_code == 204
    assert api(other_user).delete("/api/v1/financing/honest-smes/me").status_code == 409
    assert HonestListing.objects.get(subject=other).opted_out_at is not None
    assert api(bank).get("/api/v1/financing/honest-smes").json()["total"] == 1
    # Who may read it.
    assert api(users[Role.OFFICE]).get("/api/v1/financing/honest-smes").status_code == 200
    for role in (Role.SUBJECT, Role.DEPARTMENT):
        assert api(users[role]).get("/api/v1/financing/honest-smes").status_code == 403
