"""The contract: POST /api/v1/financing/needs (subject) {amount_wan, term_months, purpose}
→ 201 {id}; GET /api/v1/financing/needs (institution); POST /api/v1/financing/needs/{id}/
outcome (institution) {status: lent|declined, amount_wan?}. A need goes through posting,
taking and outcome; the institutions it is open to see it with the file it shares."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from xinyong.accounts.models import Role, User
from xinyong.audit.models import AuditEvent
from xinyong.financing.models import FinancingNeed
from xinyong.grants.models import Grant
from xinyong.lib import workdays

from .conftest import product

URL = "/api/v1/financing/needs"
BODY = {"amount_wan": "120", "term_months": 12, "purpose": "采购医用防护材料原料"}


def test_a_need_through_posting_taking_and_outcome(carol: User, bank: User, other_bank: User,
                                                   api: Callable[..., Any]) -> None:
    posted = api(carol).post_json(URL, {**BODY, "share_scope": ["profile", "records"]})
    assert posted.status_code == 201, posted.content
    need = posted.json()
    assert need["status"] == "submitted" and need["query_code"].startswith("RZ")
    assert need["open_to_all"] is True and need["institution"] is None
    # Open to all: both banks see it, each under a grant that came with it.
    for user in (bank, other_bank):
        listed = api(user).get(URL).json()
        assert [n["id"] for n in listed["items"]] == [need["id"]]
    assert Grant.objects.filter(need_id=need["id"], revoked_at__isnull=True).count() == 2
    profile = api(bank).get(f"/api/v1/subjects/{carol.subject_id}").json()
    assert profile["grant"]["scope"] == ["profile", "records"]
    # The bank takes it: the other bank no longer sees it, and its grant has ended.
    taken = api(bank).post_json(f"{URL}/{need['id']}/accept", {})
    assert taken.status_code == 200, taken.content
    assert taken.json()["status"] == "accepted" and taken.json()["institution"] == "示例农商银行马尾支行"
    assert api(other_bank).get(URL).json()["total"] == 0
    assert api(other_bank).get(f"/api/v1/subjects/{carol.subject_id}").json()["grant"] is None
    late = api(other_bank).post_json(f"{URL}/{need['id']}/outcome", {"status": "declined", "reason": "x"})
    assert late.status_code == 404
    # Outcome: lent, with the amount; the subject follows it.
    lent = api(bank).post_json(f"{URL}/{need['id']}/outcome",
                               {"status": "lent", "amount_wan": "100", "rate": "3.85"})
    assert lent.status_code == 200, lent.content
    result = api(carol).get(f"{URL}/{need['id']}").json()
    assert result["status"] == "lent" and Decimal(result["lent_amount_wan"]) == Decimal("100")
    assert Decimal(result["rate"]) == Decimal("3.85") and result["reason"] == "已放款 100 万元，年利率 3.85%"
    # The lender keeps its grant after a loan (the subject may revoke it).
    assert Grant.objects.filter(need_id=need["id"], revoked_at__isnull=True).count() == 1
    again = api(bank).post_json(f"{URL}/{need['id']}/outcome", {"status": "declined", "reason": "x"})
    assert again.status_code == 409
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"financing.submit", "financing.accept", "financing.decide", "grant.create",
            "grant.revoke"} <= actions


def test_a_need_to_chosen_products_goes_to_their_institution_only(
        carol: User, bank: User, other_bank: User, api: Callable[..., Any]) -> None:
    offered = product(bank)
    need = api(carol).post_json(URL, {**BODY, "products": [offered.pk]}).json()
    assert need["open_to_all"] is False and need["products"] == [offered.pk]
    assert api(bank).get(URL).json()["total"] == 1
    assert api(other_bank).get(URL).json()["total"] == 0
    assert api(other_bank).post_json(f"{URL}/{need['id']}/accept", {}).status_code == 404
    # Without a share scope no grant is made: the bank sees the public file.
    assert not Grant.objects.exists()


def test_outcome_declined_needs_a_reason_and_lent_an_amount(carol: User, bank: User,
                                                           api: Callable[..., Any]) -> None:
    need = api(carol).post_json(URL, {**BODY, "share_scope": ["profile"]}).json()
    outcome = f"{URL}/{need['id']}/outcome"
    no_reason = api(bank).post_json(outcome, {"status": "declined"})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["loc"][-1] == "reason"
    no_amount = api(bank).post_json(outcome, {"status": "lent"})
    assert no_amount.status_code == 422 and no_amount.json()["errors"][0]["loc"][-1] == "amount_wan"
    wrong = api(bank).post_json(outcome, {"status": "approved"})
    assert wrong.status_code == 422
    assert FinancingNeed.objects.get().status == "submitted"  # nothing half-done
    declined = api(bank).post_json(outcome, {"status": "declined", "reason": "经营流水不足"})
    assert declined.status_code == 200 and declined.json()["reason"] == "经营流水不足"
    assert declined.json()["institution"] == "示例农商银行马尾支行"  # taken with the outcome
    # A need that ended without a loan ends every grant that came with it.
    assert not Grant.objects.filter(revoked_at__isnull=True).exists()


def test_an_institution_does_not_refuse_a_need_for_all(carol: User, bank: User,
                                                      api: Callable[..., Any]) -> None:
    need = api(carol).post_json(URL, BODY).json()
    refused = api(bank).post_json(f"{URL}/{need['id']}/accept", {"accept": False, "reason": "不做"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["loc"][-1] == "accept"
    early = api(bank).post_json(f"{URL}/{need['id']}/material-request", {"reason": "请提供报表"})
    assert early.status_code == 409
    api(bank).post_json(f"{URL}/{need['id']}/accept", {})
    asked = api(bank).post_json(f"{URL}/{need['id']}/material-request", {"reason": "请提供近一年财务报表"})
    assert asked.status_code == 200 and asked.json()["status"] == "awaiting_material"
    assert api(bank).get(URL).json()["total"] == 1  # still its own


def test_withdrawn_by_the_subject_ends_its_grants(carol: User, bank: User,
                                                  api: Callable[..., Any]) -> None:
    need = api(carol).post_json(URL, {**BODY, "share_scope": ["profile"]}).json()
    gone = api(carol).post_json(f"{URL}/{need['id']}/withdraw", {"reason": "已从他处融资"})
    assert gone.status_code == 200 and gone.json()["status"] == "withdrawn"
    assert Grant.objects.get().revoke_reason == "融资需求已撤回"
    assert api(bank).get(URL).json()["total"] == 0


def test_deadlines_come_from_the_pack_in_working_days(carol: User, api: Callable[..., Any]) -> None:
    need = api(carol).post_json(URL, BODY).json()
    submitted = FinancingNeed.objects.get().submitted_on
    assert need["accept_by"] == workdays.add_workdays(submitted, 5).isoformat()
    assert need["policy"] == "platform-defaults" and need["clause"] == "信易贷"


def test_refusals_name_the_field(carol: User, users: dict[str, User], api: Callable[..., Any]) -> None:
    for changes, field in [({"amount_wan": "0"}, "amount_wan"), ({"amount_wan": "1.234"}, "amount_wan"),
                           ({"term_months": 0}, "term_months"), ({"purpose": " "}, "purpose"),
                           ({"products": [999]}, "products"), ({"share_scope": ["all"]}, "share_scope"),
                           ({"priority_flags": ["rich"]}, "priority_flags")]:
        refused = api(carol).post_json(URL, {**BODY, **changes})
        assert refused.status_code == 422, (changes, refused.content)
        assert refused.json()["errors"][0]["loc"][-1] == field, refused.json()
    assert not FinancingNeed.objects.exists()
    for role in (Role.OFFICE, Role.DEPARTMENT, Role.INSTITUTION):
        assert api(users[role]).post_json(URL, BODY).status_code == 403


def test_a_person_cannot_post_a_need(person_user: User, loaded: Any, api: Callable[..., Any]) -> None:
    refused = api(person_user).post_json(URL, BODY)
    assert refused.status_code == 422 and refused.json()["errors"][0]["loc"][-1] == "subject"


def test_priority_follows_the_packs_flags(carol: User, api: Callable[..., Any]) -> None:
    flagged = api(carol).post_json(URL, {**BODY, "priority_flags": ["epidemic_hit"]}).json()
    assert flagged["priority"] is True
    assert api(carol).post_json(URL, BODY).json()["priority"] is False


def test_the_list_costs_the_same_queries_for_more_needs(carol: User, bank: User,
                                                        api: Callable[..., Any]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    offered = product(bank)
    client = api(bank)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    for _ in range(2):
        api(carol).post_json(URL, {**BODY, "products": [offered.pk]})
    queries()  # the token's last use is written at most once a minute: not counted
    few = queries()
    for _ in range(8):
        need = api(carol).post_json(URL, {**BODY, "products": [offered.pk]}).json()
        api(bank).post_json(f"{URL}/{need['id']}/accept", {})
    assert client.get(URL).json()["total"] == 10
    assert queries() == few


def test_amounts_are_read_as_people_write_them(carol: User, loaded: Any) -> None:
    from xinyong.financing import services
    from xinyong.lib.errors import DomainError

    assert services.amount("1,200.5", "amount_wan") == Decimal("1200.5")
    assert services.amount("１２０", "amount_wan") == Decimal("120")
    for bad, says in [("-3", "负数"), ("abc", "不是有效金额"), ("", "应大于 0"), ("0.001", "两位小数")]:
        try:
            services.amount(bad, "amount_wan")
        except DomainError as exc:
            assert exc.field == "amount_wan" and says in exc.msg, (bad, exc.msg)
        else:
            raise AssertionError(f"{bad!r} accepted")
