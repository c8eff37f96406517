"""The public rule (`ArticleQuerySet.public`): drafts, future dates and withdrawn articles
are hidden; a typical case is up only while every record it is about is shown publicly, so
a repaired record takes it down at once and a reversal restores it. The services' checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from xinyong.accounts.models import Role
from xinyong.articles import services
from xinyong.articles.models import Article
from xinyong.audit.models import AuditEvent
from xinyong.lib.errors import DomainError
from xinyong.records import services as records
from xinyong.records.models import Record
from xinyong.repairs import services as repairs


def today() -> dt.date:
    return timezone.localdate()


def news(users: Any, **changes: Any) -> Article:
    data = {"kind": "news", "title": "信用办召开会议", "body": "会议**纪要**"} | changes
    return services.create(users[Role.OFFICE], services.ArticleInput(**data))


def public_ids(day: dt.date | None = None) -> set[int]:
    return set(Article.objects.public(day or today()).values_list("pk", flat=True))


def test_drafts_future_dates_and_withdrawn_are_hidden(users: Any) -> None:
    office = users[Role.OFFICE]
    draft = news(users)
    assert draft.published_on is None and draft.pk not in public_ids()
    later = news(users, title="下周发布")
    services.publish(office, later.pk, today() + dt.timedelta(days=7))
    assert later.pk not in public_ids()
    assert later.pk in public_ids(today() + dt.timedelta(days=7))  # shown on its day
    now = news(users, title="今日发布")
    services.publish(office, now.pk, today())
    assert public_ids() == {now.pk}
    services.withdraw(office, now.pk, "内容有误")
    assert public_ids() == set()
    assert Article.objects.get(pk=now.pk).state(today())[0] == "已撤回"
    actions = list(AuditEvent.objects.filter(object_id__in=[str(now.pk)])
                   .order_by("pk").values_list("action", flat=True))
    assert actions == ["article.create", "article.publish", "article.withdraw"]


def test_case_taken_down_when_its_record_is_repaired_and_back_on_reversal(
        users: Any, dishonest: Record, make_case: Callable[..., Article]) -> None:
    case = make_case([dishonest.pk], publish_on=today())
    assert case.pk in public_ids()
    # The real repair path: the enterprise applies, the unit approves.
    applicant, dept = users[Role.SUBJECT], users[Role.DEPARTMENT]
    repair = repairs.apply(applicant, dishonest.pk, "已缴清罚款并整改", True)
    repairs.workflow.accept(repair.pk, dept)
    repairs.workflow.decide(repair.pk, dept, "approve", "已履行法定义务")
    assert Record.objects.get(pk=dishonest.pk).status == "repaired"
    assert case.pk not in public_ids()
    assert Article.objects.taken_down(today()).filter(pk=case.pk).exists()
    case.refresh_from_db()
    assert case.state(today())[0] == "已撤下（关联记录已不再公示）"
    assert "信用修复" in services.takedown_reason(case, today())
    assert case.withdrawn_at is None  # nothing stored: the rule is asked every time
    # The platform has no step that reverses a repair; a reversal (e.g. by review) sets the
    # record back to published, and the case is up again with no step of the office's.
    Record.objects.filter(pk=dishonest.pk).update(status="published", closed_on=None,
                                                  closed_reason="", closed_cause="")
    assert case.pk in public_ids()
    assert services.takedown_reason(case, today()) == ""


def test_withdrawn_or_expired_record_takes_the_case_down(
        users: Any, dishonest: Record, good: Record, make_case: Callable[..., Article]) -> None:
    case = make_case([dishonest.pk], publish_on=today())
    honest = make_case([good.pk], polarity="good", title="守信案例", publish_on=today())
    assert public_ids() == {case.pk, honest.pk}
    records.withdraw(Record.objects.get(pk=dishonest.pk), "报送错误", actor=users[Role.DEPARTMENT])
    assert public_ids() == {honest.pk}
    assert dishonest.ends_on is not None
    assert case.pk not in public_ids(dishonest.ends_on + dt.timedelta(days=1))


def test_one_repaired_record_among_several_takes_the_case_down(
        users: Any, make_record: Callable[..., Record], make_case: Callable[..., Article]) -> None:
    subject = users[Role.SUBJECT].subject
    first, second = make_record(subject), make_record(subject, days_ago=100)
    case = make_case([first.pk, second.decision_no], publish_on=today())
    assert set(case.records.values_list("pk", flat=True)) == {first.pk, second.pk}
    assert case.pk in public_ids()
    Record.objects.filter(pk=second.pk).update(status="repaired", closed_on=today())
    assert case.pk not in public_ids()


def test_case_rules_name_the_field(users: Any, dishonest: Record, good: Record,
                                   make_record: Callable[..., Record], person: Any) -> None:
    office = users[Role.OFFICE]

    def refused(**changes: Any) -> DomainError:
        data = {"kind": "case", "title": "案例", "body": "正文", "polarity": "dishonest",
                "records": [dishonest.pk]} | changes
        with pytest.raises(DomainError) as caught:
            services.create(office, services.ArticleInput(**data))
        return caught.value

    assert refused(polarity="").field == "polarity"
    assert refused(records=[]).field == "records"
    missing = refused(records=["999999"])
    assert missing.field == "records" and "999999" in missing.msg
    assert refused(records=["没有这个文号"]).field == "records"
    wrong_kind = refused(records=[good.pk])
    assert wrong_kind.field == "records" and "失信" in wrong_kind.msg
    assert refused(polarity="good", records=[dishonest.pk]).field == "records"
    persons = make_record(person)
    assert persons.status == "published"
    assert "自然人" in refused(records=[persons.pk]).msg
    Record.objects.filter(pk=dishonest.pk).update(status="repaired", closed_on=today())
    assert "公示" in refused().msg
    assert refused(title="").field == "title"
    assert refused(title="字" * 201).field == "title"
    assert refused(body="").field == "body"
    long_body = refused(body="字" * (services.MAX_BODY + 1))
    assert long_body.field == "body" and "20,000" in long_body.msg
    assert refused(body="当事人身份证 350105198506123010").field == "body"
    assert refused(kind="story").field == "kind"
    for kind in ("news", "policy_reading"):
        assert refused(kind=kind).field == "polarity"  # a polarity on a non-case
        assert refused(kind=kind, polarity="").field == "records"
    assert refused(kind="news", polarity="", records=[], pack_id="taicang-2020-1").field == "pack_id"
    assert refused(kind="policy_reading", polarity="", records=[], pack_id="nope").field == "pack_id"


def test_only_the_office_writes(users: Any) -> None:
    for role in (Role.DEPARTMENT, Role.SUBJECT, Role.INSTITUTION):
        with pytest.raises(DomainError) as caught:
            services.create(users[role], services.ArticleInput(kind="news", title="x", body="y"))
        assert caught.value.status == 403
    assert not Article.objects.exists()


def test_publish_dates_and_states(users: Any, dishonest: Record,
                                  make_case: Callable[..., Article]) -> None:
    office = users[Role.OFFICE]
    item = news(users)
    assert item.state(today())[0] == "草稿"
    with pytest.raises(DomainError) as caught:
        services.publish(office, item.pk, today() - dt.timedelta(days=1))
    assert caught.value.field == "published_on"
    with pytest.raises(DomainError) as caught:
        services.publish(office, item.pk, None)
    assert caught.value.field == "published_on"
    with pytest.raises(DomainError) as caught:
        services.withdraw(office, item.pk, "x")
    assert caught.value.status == 409  # a draft has nothing to withdraw
    services.publish(office, item.pk, today() + dt.timedelta(days=3))
    item.refresh_from_db()
    assert item.state(today())[0] == "定时发布"
    services.publish(office, item.pk, today())  # brought forward
    with pytest.raises(DomainError) as caught:
        services.publish(office, item.pk, today())
    assert caught.value.status == 409
    with pytest.raises(DomainError) as caught:
        services.withdraw(office, item.pk, "  ")
    assert caught.value.field == "reason"
    services.withdraw(office, item.pk, "重复发布")
    services.publish(office, item.pk, today())  # published again
    item.refresh_from_db()
    assert item.withdrawn_at is None and item.state(today())[0] == "已发布"
    # A case whose record stopped being published cannot be published.
    case = make_case([dishonest.pk])
    Record.objects.filter(pk=dishonest.pk).update(status="repaired", closed_on=today())
    with pytest.raises(DomainError) as caught:
        services.publish(office, case.pk, today())
    assert caught.value.field == "records"


def test_policy_reading_keeps_its_pack(users: Any, loaded: Any) -> None:
    reading = services.create(users[Role.OFFICE], services.ArticleInput(
        kind="policy_reading", title="解读", body="要点", pack_id="taicang-2020-1"))
    assert reading.pack_id == "taicang-2020-1" and reading.polarity == ""
    with pytest.raises(DomainError) as caught:
        services.update(users[Role.OFFICE], reading.pk, services.ArticleInput(
            kind="news", title="解读", body="要点"))
    assert caught.value.field == "kind"
