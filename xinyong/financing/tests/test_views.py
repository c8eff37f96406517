"""The 信易贷 pages: who may open each, posting a need through the form (with the grants it
makes), an institution taking a need and reporting a loan on the need page, publishing and
withdrawing a product, the statistics page against counts made here, and the honest-SME
list (an opted-in honest SME shown, one with a dishonest record in force not)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from xinyong.accounts.models import Role, Unit, User
from xinyong.casework import choices as c
from xinyong.financing import choices, services
from xinyong.financing.models import FinancingNeed, HonestListing, Product
from xinyong.grants.models import Grant
from xinyong.records import services as records
from xinyong.subjects.models import Subject, get_or_create_subject

TODAY = dt.date.today()
ORG2 = "91350100M000100Y43"
ANON = "anonymous"
ROLES = (ANON, Role.OFFICE, Role.DEPARTMENT, Role.SUBJECT, Role.INSTITUTION)


def make_product(user: User, name: str = "诚信贷", **changes: Any) -> Product:
    fields: dict[str, Any] = dict(name=name, amount_min_wan="10", amount_max_wan="500",
                                  term_min_months=3, term_max_months=36, rate_min="3.45",
                                  rate_max="4.35", targets=[])
    fields.update(changes)
    return services.publish_product(user, **fields)


def post_need(user: User, amount: str = "120", **changes: Any) -> FinancingNeed:
    return services.submit(user, amount, 12, "采购原材料", **changes)


def text(response: Any) -> str:
    return str(response.content.decode())


def stat(html: str, group: str, name: str) -> str:
    """The number a totals block shows (`data-testid="totals-<group>"`)."""
    block = html.split(f'data-testid="totals-{group}"', 1)[1]
    found = re.search(rf'data-stat="{name}">([^<]*)<', block)
    assert found, name
    return found.group(1)


@pytest.fixture
def carol(users: dict[str, User], loaded: Any) -> User:
    Subject.objects.filter(pk=users[Role.SUBJECT].subject_id).update(scale="small")
    return users[Role.SUBJECT]


@pytest.fixture
def bank(users: dict[str, User]) -> User:
    return users[Role.INSTITUTION]


@pytest.fixture
def other_bank(make_user: Callable[..., User], other_institution: Any) -> User:
    return make_user("erin", Role.INSTITUTION, institution=other_institution)


def client_for(web: Callable[..., Client], users: dict[str, User], role: str) -> Client:
    return web(None if role == ANON else users[role])


# --- who may open which page --------------------------------------------------------------------

@pytest.mark.parametrize(("name", "allowed"), [
    ("/financing/", set(ROLES)),
    ("/financing/products/mine/", {Role.INSTITUTION}),
    ("/financing/products/new/", {Role.INSTITUTION}),
    ("/financing/needs/new/", {Role.SUBJECT}),
    ("/financing/needs/mine/", {Role.SUBJECT}),
    ("/financing/needs/", {Role.INSTITUTION, Role.OFFICE}),
    ("/financing/honest-smes/", {Role.SUBJECT, Role.INSTITUTION, Role.OFFICE}),
    ("/financing/stats/", {Role.OFFICE}),
    ("/financing/needs/track/", set(ROLES)),
])
def test_each_page_opens_for_its_roles_only(carol: User, users: dict[str, User],
                                            web: Callable[..., Client], name: str,
                                            allowed: set[str]) -> None:
    make_product(users[Role.INSTITUTION])
    post_need(carol, share_scope=["profile"])
    for role in ROLES:
        response = client_for(web, users, role).get(name)
        if role in allowed:
            assert response.status_code == 200, (role, response.status_code)
            assert "<title>" in text(response)
        elif role == ANON:
            assert response.status_code == 302 and "/login/" in response["Location"], role
        else:
            assert response.status_code == 403, role


def test_product_pages_show_withdrawn_products_to_their_owner_and_the_office(
        carol: User, users: dict[str, User], other_bank: User, web: Callable[..., Client]) -> None:
    bank = users[Role.INSTITUTION]
    on_sale = make_product(bank, targets=["sme"])
    gone = make_product(bank, "旧产品")
    services.withdraw_product(bank, gone.pk)
    for role in ROLES:
        response = client_for(web, users, role).get(f"/financing/products/{on_sale.pk}/")
        assert response.status_code == 200, role
        expected = 200 if role in (Role.OFFICE, Role.INSTITUTION) else 404
        assert client_for(web, users, role).get(f"/financing/products/{gone.pk}/").status_code == expected
    assert web(other_bank).get(f"/financing/products/{gone.pk}/").status_code == 404
    # The public list shows the one on sale; the subject sees it marked as met (a small firm).
    public = text(web(None).get("/financing/"))
    assert "诚信贷" in public and "旧产品" not in public
    mine = text(web(carol).get("/financing/"))
    assert 'data-testid="meets"' in mine and 'data-testid="apply-link"' in mine
    filtered = text(web(None).get("/financing/?amount=900"))
    assert "诚信贷" not in filtered


def test_need_pages_open_for_the_parties_only(carol: User, users: dict[str, User],
                                              other_bank: User, web: Callable[..., Client]) -> None:
    bank = users[Role.INSTITUTION]
    offered = make_product(bank)
    need = post_need(carol, products=[offered.pk])
    url = f"/financing/needs/{need.pk}/"
    for role, expected in [(Role.SUBJECT, 200), (Role.INSTITUTION, 200), (Role.OFFICE, 200),
                           (Role.DEPARTMENT, 403)]:
        assert client_for(web, users, role).get(url).status_code == expected, role
    assert web(None).get(url).status_code == 302
    # Not open to the other bank: hidden.
    assert web(other_bank).get(url).status_code == 404
    assert web(carol).get(f"{url}receipt/").status_code == 200
    assert web(None).get(f"/financing/needs/track/{need.query_code}/").status_code == 200


# --- posting a need --------------------------------------------------------------------------------

def test_posting_a_need_through_the_form_makes_it_with_its_grants(
        carol: User, bank: User, other_bank: User, web: Callable[..., Client]) -> None:
    offered = make_product(bank)
    browser = web(carol)
    form = browser.get("/financing/needs/new/")
    assert form.status_code == 200
    html = text(form)
    assert f'value="{offered.pk}"' in html and "向所有金融机构开放" in html
    assert "受疫情影响较大" in html and "第 7 条" in html
    posted = browser.post("/financing/needs/new/", {
        "amount_wan": "200", "term_months": "12", "purpose": "采购医用防护材料原料",
        "open_to_all": "on", "share_scope": ["profile", "records"],
        "share_until": (TODAY + dt.timedelta(days=90)).isoformat(),
        "priority_flags": ["epidemic_hit"]})
    need = FinancingNeed.objects.get()
    assert posted.status_code == 302 and posted["Location"] == f"/financing/needs/{need.pk}/"
    assert need.amount_wan == Decimal("200") and need.open_to_all and need.priority
    assert need.share_scope == ["profile", "records"]
    assert need.share_until == TODAY + dt.timedelta(days=90)
    live = Grant.objects.filter(need=need, revoked_at__isnull=True)
    assert sorted(live.values_list("institution__name", flat=True)) == sorted(
        [bank.institution.name, other_bank.institution.name])
    shown = [str(m) for m in get_messages(posted.wsgi_request)]
    assert any(need.query_code in m for m in shown)
    page = text(browser.get(posted["Location"]))
    assert "200 万元" in page and "基本信息与名单、全部信用记录" in page
    assert "受疫情影响较大" in page and "向所有金融机构开放" in page
    assert "我的融资需求" in page


def test_the_need_form_shows_the_services_refusals_on_their_fields(
        carol: User, bank: User, web: Callable[..., Client]) -> None:
    browser = web(carol)
    nobody = browser.post("/financing/needs/new/", {"amount_wan": "200", "term_months": "12",
                                                    "purpose": "流动资金"})
    assert nobody.status_code == 422
    assert re.search(r'data-error-for="products">[^<]*请选择产品', text(nobody))
    too_much = browser.post("/financing/needs/new/", {"amount_wan": "12.345", "term_months": "12",
                                                      "purpose": "流动资金", "open_to_all": "on"})
    assert too_much.status_code == 422
    assert re.search(r'data-error-for="amount_wan">[^<]*两位小数', text(too_much))
    late = browser.post("/financing/needs/new/", {
        "amount_wan": "20", "term_months": "12", "purpose": "流动资金", "open_to_all": "on",
        "share_scope": ["profile"], "share_until": (TODAY + dt.timedelta(days=800)).isoformat()})
    assert late.status_code == 422 and 'data-error-for="share_until"' in text(late)
    assert not FinancingNeed.objects.exists()


def test_the_subjects_needs_list_shows_the_outcome(carol: User, bank: User,
                                                   web: Callable[..., Client]) -> None:
    offered = make_product(bank)
    need = post_need(carol, open_to_all=True)
    services.outcome(bank, need.pk, choices.LENT, amount_wan="100", rate="3.85", product=offered.pk)
    html = text(web(carol).get("/financing/needs/mine/"))
    assert need.query_code in html and "已放款 100 万元，年利率 3.85%" in html
    assert bank.institution.name in html


# --- taking a need and reporting the outcome on its page ------------------------------------------------

def test_an_institution_takes_a_need_and_reports_a_loan_on_its_page(
        carol: User, bank: User, other_bank: User, web: Callable[..., Client]) -> None:
    offered = make_product(bank)
    make_product(other_bank, "他行贷")
    need = post_need(carol, share_scope=["profile", "score"])
    browser = web(bank)
    url = f"/financing/needs/{need.pk}/"
    html = text(browser.get(url))
    assert "受理（接单）" in html and "不予受理" not in html
    assert 'data-testid="material-form"' not in html  # no 补正 before it is taken
    assert f'href="/subjects/{carol.subject_id}/"' in html
    assert 'data-testid="fit"' in html and "基本信息与名单、信用评价（积分或分类）" in html
    assert "他行贷" not in html.split('data-testid="decide-form"', 1)[1]
    # 不予受理 posted anyway is refused by the workflow.
    refused = browser.post(url, {"action": "accept", "accept-decision": "refuse",
                                 "accept-reason": "不做"})
    assert refused.status_code == 422
    need.refresh_from_db()
    assert need.status == c.SUBMITTED
    taken = browser.post(url, {"action": "accept", "accept-decision": "accept"})
    assert taken.status_code == 302
    need.refresh_from_db()
    assert need.status == c.ACCEPTED and need.institution_id == bank.institution_id
    assert web(other_bank).get(url).status_code == 404
    # Lent needs an amount and a rate; declined a reason.
    empty = browser.post(url, {"action": "decide", "decide-decision": "lent"})
    assert empty.status_code == 422
    assert 'data-error-for="amount_wan"' in text(empty) and 'data-error-for="rate"' in text(empty)
    bare = browser.post(url, {"action": "decide", "decide-decision": "declined"})
    assert bare.status_code == 422 and 'data-error-for="reason"' in text(bare)
    wrong = browser.post(url, {"action": "decide", "decide-decision": "lent",
                               "decide-amount_wan": "-5", "decide-rate": "3.85"})
    assert wrong.status_code == 422 and re.search(r'data-error-for="amount_wan">[^<]*不能为负数', text(wrong))
    lent = browser.post(url, {"action": "decide", "decide-decision": "lent",
                              "decide-amount_wan": "100", "decide-rate": "3.85",
                              "decide-product": str(offered.pk)})
    assert lent.status_code == 302
    need.refresh_from_db()
    assert (need.status, need.lent_amount_wan, need.rate, need.product_id) == (
        choices.LENT, Decimal("100"), Decimal("3.85"), offered.pk)
    page = text(web(carol).get(url))
    assert 'data-testid="lent"' in page and "100 万元" in page and "3.85%" in page


def test_a_lender_may_not_name_another_institutions_product(
        carol: User, bank: User, other_bank: User, web: Callable[..., Client]) -> None:
    theirs = make_product(other_bank, "他行贷")
    need = post_need(carol, open_to_all=True)
    response = web(bank).post(f"/financing/needs/{need.pk}/", {
        "action": "decide", "decide-decision": "lent", "decide-amount_wan": "50",
        "decide-rate": "4", "decide-product": str(theirs.pk)})
    assert response.status_code == 422 and 'data-error-for="product"' in text(response)
    need.refresh_from_db()
    assert need.status == c.SUBMITTED


def test_the_office_sees_needs_but_does_not_act(carol: User, users: dict[str, User],
                                                web: Callable[..., Client]) -> None:
    need = post_need(carol, open_to_all=True, priority_flags=["epidemic_hit"])
    office = web(users[Role.OFFICE])
    queue = text(office.get("/financing/needs/"))
    assert need.query_code in queue and 'data-testid="priority"' in queue
    # No filter by member unit: no unit handles needs (it would always show nothing).
    assert 'name="unit"' not in queue
    page = text(office.get(f"/financing/needs/{need.pk}/"))
    assert 'data-testid="accept-form"' not in page and 'data-testid="decide-form"' not in page
    assert f'href="/subjects/{carol.subject_id}/"' in page


# --- products ---------------------------------------------------------------------------------------

def test_an_institution_publishes_and_withdraws_a_product_on_its_pages(
        bank: User, loaded: Any, web: Callable[..., Client]) -> None:
    browser = web(bank)
    bad = browser.post("/financing/products/new/", {
        "name": "抗疫保供贷", "amount_min_wan": "300", "amount_max_wan": "10",
        "term_min_months": "6", "term_max_months": "24", "rate_min": "3.05", "rate_max": "3.85"})
    assert bad.status_code == 422 and 'data-error-for="amount_max_wan"' in text(bad)
    made = browser.post("/financing/products/new/", {
        "name": "抗疫保供贷", "amount_min_wan": "10", "amount_max_wan": "300",
        "term_min_months": "6", "term_max_months": "24", "rate_min": "3.05", "rate_max": "3.85",
        "targets": ["priority", "sme"]})
    item = Product.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/financing/products/{item.pk}/"
    assert item.targets == ["priority", "sme"]
    listing = text(browser.get("/financing/products/mine/"))
    assert "抗疫保供贷" in listing and 'data-testid="withdraw"' in listing
    assert browser.get(f"/financing/products/{item.pk}/withdraw/").status_code == 405
    gone = browser.post(f"/financing/products/{item.pk}/withdraw/")
    assert gone.status_code == 302
    item.refresh_from_db()
    assert item.status == choices.WITHDRAWN
    again = browser.post(f"/financing/products/{item.pk}/withdraw/")
    assert again.status_code == 302
    assert any("已" in str(m) and "下架" in str(m) for m in get_messages(again.wsgi_request))


# --- statistics -------------------------------------------------------------------------------------

def test_the_stats_page_equals_counts_made_here(carol: User, bank: User, other_bank: User,
                                                users: dict[str, User],
                                                web: Callable[..., Client]) -> None:
    loan = make_product(bank)
    made = [post_need(carol, amount, open_to_all=True, priority_flags=flags)
            for amount, flags in [("100", []), ("50", ["epidemic_hit"]), ("30", ["medical_supplies"]),
                                  ("20", []), ("10", [])]]
    services.outcome(bank, made[0].pk, "lent", amount_wan="80", rate="4", product=loan.pk)
    services.outcome(other_bank, made[1].pk, "lent", amount_wan="50", rate="3.5")
    services.outcome(bank, made[2].pk, "declined", reason="资料不全")
    services.workflow.accept(made[3].pk, bank)
    services.workflow.withdraw(made[4].pk, carol, "不需要了")
    rows = FinancingNeed.objects.all()
    expected = {
        "posted": rows.count(), "waiting": rows.filter(status=c.SUBMITTED).count(),
        "taken": rows.exclude(accepted_on=None).count(),
        "lent": rows.filter(status=choices.LENT).count(),
        "declined": rows.filter(status=choices.DECLINED).count(),
        "withdrawn": rows.filter(status=c.WITHDRAWN).count(),
    }
    assert expected == {"posted": 5, "waiting": 0, "taken": 4, "lent": 2, "declined": 1,
                        "withdrawn": 1}
    response = web(users[Role.OFFICE]).get("/financing/stats/")
    assert response.status_code == 200
    html = text(response)
    for name, value in expected.items():
        assert stat(html, "all", name) == str(value), name
    assert stat(html, "all", "amount_asked_wan") == "210"
    assert stat(html, "all", "amount_lent_wan") == "130"
    assert stat(html, "all", "max_days_to_lend") == "0"
    assert (stat(html, "priority", "posted"), stat(html, "priority", "lent"),
            stat(html, "priority", "declined")) == ("2", "1", "1")
    assert stat(html, "priority", "amount_lent_wan") == "50"
    by_bank = html.split(f'data-institution="{bank.institution_id}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-stat="taken">3<' in by_bank and 'data-stat="lent">1<' in by_bank
    by_product = html.split(f'data-product="{loan.pk}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-stat="loans">1<' in by_product and 'data-stat="amount_lent_wan">80<' in by_product
    # A period before any need: nothing; a bad period: the form says so.
    before = text(web(users[Role.OFFICE]).get(
        f"/financing/stats/?until={(TODAY - dt.timedelta(days=1)).isoformat()}"))
    assert stat(before, "all", "posted") == "0"
    bad = web(users[Role.OFFICE]).get(f"/financing/stats/?since={TODAY}&until={TODAY - dt.timedelta(days=1)}")
    assert bad.status_code == 422 and 'data-error-for="since"' in text(bad)


# --- the honest-SME list --------------------------------------------------------------------------------

def submit_record(unit: Unit, subject: Subject, behavior: str, number: str, severity: str) -> Any:
    return records.submit(unit, records.Submission(
        subject_kind=subject.kind, subject_name=subject.name, subject_code=subject.full_code(),
        behavior=behavior, occurred_on=TODAY - dt.timedelta(days=12),
        decided_on=TODAY - dt.timedelta(days=10), decision_no=number, facts="经查属实",
        severity=severity), today=TODAY)[0]


def test_the_honest_list_shows_honest_smes_only(carol: User, users: dict[str, User], unit: Unit,
                                                make_user: Callable[..., User],
                                                web: Callable[..., Client]) -> None:
    other, _ = get_or_create_subject("organization", ORG2, "福州示例贸易有限公司")
    other_user = make_user("olivia", Role.SUBJECT, subject=other)
    # Both join through the page.
    for user in (carol, other_user):
        joined = web(user).post("/financing/honest-smes/", {"action": "join", "note": "求流动资金"})
        assert joined.status_code == 302
    assert HonestListing.objects.filter(opted_out_at=None).count() == 2
    record = submit_record(unit, other, "fz_market_disruption", "榕马市监罚〔2026〕3号", "serious")
    assert record.status == "published"
    for viewer in (users[Role.INSTITUTION], users[Role.OFFICE]):
        html = text(web(viewer).get("/financing/honest-smes/"))
        assert f'data-subject="{carol.subject_id}"' in html, viewer
        assert f'data-subject="{other.pk}"' not in html, viewer
        assert "求流动资金" in html
    # The subject with the record is told plainly why it is not shown.
    own = text(web(other_user).get("/financing/honest-smes/"))
    assert 'data-testid="hidden"' in own and 'data-testid="why-hidden"' in own
    assert "榕马市监罚〔2026〕3号" in own and "不会显示" in own
    shown = text(web(carol).get("/financing/honest-smes/"))
    assert 'data-testid="shown"' in shown and 'data-testid="leave"' in shown
    # Leaving.
    left = web(carol).post("/financing/honest-smes/", {"action": "leave"})
    assert left.status_code == 302
    assert f'data-subject="{carol.subject_id}"' not in text(
        web(users[Role.INSTITUTION]).get("/financing/honest-smes/"))
    assert 'data-testid="not-joined"' in text(web(carol).get("/financing/honest-smes/"))


PDF = b"%PDF-1.4\n%test\n"


def test_files_chosen_on_a_refused_form_go_with_the_next_try(
        carol: User, bank: User, web: Callable[..., Client]) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from xinyong.front.tests.walk import english_words

    browser = web(carol)
    body = {"amount_wan": "60", "term_months": "6", "open_to_all": "on"}
    back = browser.post("/financing/needs/new/", {
        **body, "purpose": "", "evidence": [SimpleUploadedFile("财务报表.pdf", PDF),
                                            SimpleUploadedFile("病毒.exe", b"MZ")]})
    assert back.status_code == 422 and 'data-error-for="purpose"' in text(back)
    assert not english_words(text(back)) - {carol.username, "exe"}  # the refused file's name
    tokens = re.findall(r'name="pending" value="([^"]+)"', text(back))
    assert len(tokens) == 1 and 'data-pending="财务报表.pdf"' in text(back)
    done = browser.post("/financing/needs/new/", {
        **body, "purpose": "流动资金", "pending": tokens,
        "evidence": [SimpleUploadedFile("购销合同.pdf", PDF)]})
    need = FinancingNeed.objects.get()
    assert done.status_code == 302
    assert sorted(need.files.values_list("name", flat=True)) == sorted(["购销合同.pdf", "财务报表.pdf"])  # type: ignore[attr-defined]
    # The institution it is open to downloads them from the need page.
    page = text(web(bank).get(f"/financing/needs/{need.pk}/"))
    first = need.files.first()  # type: ignore[attr-defined]
    assert f"/financing/needs/{need.pk}/evidence/{first.pk}/" in page
    assert web(bank).get(f"/financing/needs/{need.pk}/evidence/{first.pk}/").status_code == 200


def test_the_office_queue_costs_the_same_queries_for_more_taken_needs(
        carol: User, bank: User, users: dict[str, User], web: Callable[..., Client]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    office = web(users[Role.OFFICE])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert office.get("/financing/needs/?status=all").status_code == 200
        return len(captured)

    services.workflow.accept(post_need(carol, open_to_all=True).pk, bank)
    queries()
    few = queries()
    for _ in range(5):
        services.workflow.accept(post_need(carol, open_to_all=True).pk, bank)
    assert queries() == few
