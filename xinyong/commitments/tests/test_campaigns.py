"""Campaigns (福州 一.1): a department invites a population, given as codes, to sign; who
signed (through the link or not) and who not; reminders no more often than the rules say."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from conftest import IB_CODE, ORG2_CODE, ORG_CODE, PERSON_CODE
from xinyong.accounts.models import Role, User
from xinyong.commitments import services
from xinyong.commitments.models import Campaign
from xinyong.lib.errors import DomainError
from xinyong.notices.models import Notice
from xinyong.subjects.models import get_or_create_subject


def launch(dept: User, codes: str, **kwargs: Any) -> Campaign:
    today = timezone.localdate()
    return services.launch(dept, "fz_epidemic_integrity", "马尾区餐饮行业疫情防控诚信经营承诺", codes,
                           organiser_name="马尾区餐饮行业协会", message="请会员单位在线签署",
                           starts_on=today, ends_on=today + dt.timedelta(days=30), **kwargs)


def test_a_campaign_counts_signatures_and_reminds_the_others(
        owner: User, dept: User, make_user: Callable[..., User], web: Callable[..., Any]) -> None:
    shop = get_or_create_subject("individual_business", IB_CODE, "马尾丁记小吃店")[0]
    shop_user = make_user("shop", Role.SUBJECT, subject=shop)
    campaign = launch(dept, f"{ORG_CODE}\n\n{IB_CODE}\n{ORG_CODE}\n{ORG2_CODE}\n")
    assert campaign.organiser_name == "马尾区餐饮行业协会" and campaign.unit_id == dept.unit_id
    assert campaign.targets.count() == 3  # repeated codes once
    # The enterprise signs without the link; the campaign counts it all the same.
    signed = services.sign(owner, "fz_epidemic_integrity")
    assert signed.campaign is None
    assert campaign.targets.get(code=ORG_CODE).commitment == signed
    sent = services.remind(dept, campaign.pk)
    assert sent == {"sent": 1, "unreachable": 1}  # the shop has a user, ORG2 is not on file
    notice = Notice.objects.get(user=shop_user)
    assert f"campaign={campaign.pk}" in notice.link and "马尾区餐饮行业协会" in notice.body
    assert not Notice.objects.filter(user=owner, title__startswith="邀请签署").exists()
    with pytest.raises(DomainError) as early:
        services.remind(dept, campaign.pk)
    next_day = timezone.localdate() + dt.timedelta(days=7)
    assert early.value.status == 409 and f"{next_day:%Y-%m-%d} 起可再次提醒" in early.value.msg
    later = timezone.now() + dt.timedelta(days=7)
    assert services.remind(dept, campaign.pk, now=later)["sent"] == 1
    assert campaign.targets.get(code=IB_CODE).reminders == 2
    # Through the link: the commitment names the campaign.
    via = services.sign(shop_user, "fz_epidemic_integrity", campaign=campaign.pk)
    assert via.campaign == campaign and campaign.targets.get(code=IB_CODE).commitment == via
    # The public page names the signers; the unsigned are for the organiser only.
    public = web(None).get(f"/commitments/campaigns/{campaign.pk}/").content.decode()
    assert "福州马尾康宁医疗器械有限公司" in public and "马尾丁记小吃店" in public
    assert ORG2_CODE not in public and 'data-testid="unsigned"' not in public
    own = web(dept).get(f"/commitments/campaigns/{campaign.pk}/").content.decode()
    assert ORG2_CODE not in own and 'data-testid="remind-form"' in own
    assert "已签署 2</a>" in own and "未签署 1</a>" in own  # the counts on the tabs
    unsigned = web(dept).get(f"/commitments/campaigns/{campaign.pk}/?show=unsigned").content.decode()
    assert ORG2_CODE in unsigned and 'data-testid="unsigned"' in unsigned
    # The public cannot ask for the unsigned list.
    asked = web(None).get(f"/commitments/campaigns/{campaign.pk}/?show=unsigned").content.decode()
    assert ORG2_CODE not in asked and 'data-testid="unsigned"' not in asked


def test_launch_refusals_name_their_field(dept: User, owner: User, loaded: Any) -> None:
    with pytest.raises(DomainError) as bad:
        launch(dept, f"{ORG_CODE}\nNOT-A-CODE\n{PERSON_CODE}")
    assert bad.value.field == "codes" and "第 2 行" in bad.value.msg
    assert "第 3 行是身份证号码" in bad.value.msg
    with pytest.raises(DomainError) as empty:
        launch(dept, "\n")
    assert empty.value.field == "codes"
    with pytest.raises(DomainError) as matter:
        services.launch(dept, "fz_work_resumption", "复工", ORG_CODE, ends_on=timezone.localdate())
    assert matter.value.field == "template"
    with pytest.raises(DomainError) as ends:
        services.launch(dept, "fz_epidemic_integrity", "诚信", ORG_CODE,
                        ends_on=timezone.localdate() - dt.timedelta(days=1))
    assert ends.value.field == "ends_on"
    with pytest.raises(DomainError) as role:
        launch(owner, ORG_CODE)
    assert role.value.status == 403


def test_the_campaign_form_says_the_platform_holds_no_register(dept: User, loaded: Any,
                                                               web: Callable[..., Any]) -> None:
    page = web(dept).get("/commitments/campaigns/new/").content.decode()
    assert "平台没有行业登记名册" in page
    today = timezone.localdate()
    done = web(dept).post("/commitments/campaigns/new/", {
        "template": "fz_epidemic_integrity", "title": "诚信经营承诺", "organiser_name": "",
        "starts_on": today.isoformat(), "ends_on": (today + dt.timedelta(days=10)).isoformat(),
        "published": "on", "codes": f"{ORG_CODE}\nBAD"})
    assert done.status_code == 422
    assert 'data-error-for="codes"' in done.content.decode()


def test_targets_that_come_onto_the_platform_later_are_matched(
        owner: User, dept: User, web: Callable[..., Any]) -> None:
    campaign = launch(dept, f"{ORG_CODE}\n{ORG2_CODE}")
    assert campaign.targets.get(code=ORG2_CODE).subject is None
    later = get_or_create_subject("organization", ORG2_CODE, "福州闽江生鲜超市有限公司")[0]
    services.refresh_targets(campaign)
    target = campaign.targets.get(code=ORG2_CODE)
    assert target.subject == later and target.name == "福州闽江生鲜超市有限公司"
    assert target.commitment is None
    # The organiser's page does it on the way, and lists the newcomer by name.
    page = web(dept).get(f"/commitments/campaigns/{campaign.pk}/?show=unsigned").content.decode()
    assert "福州闽江生鲜超市有限公司" in page


def test_no_reminders_without_a_rule_that_sets_their_interval(
        owner: User, dept: User, monkeypatch: pytest.MonkeyPatch) -> None:
    """The interval is a policy's: with no pack in force setting it, nobody is reminded."""
    campaign = launch(dept, f"{ORG_CODE}\n{IB_CODE}")
    monkeypatch.setattr(services, "rules_in_force", lambda day: [])
    with pytest.raises(DomainError) as refused:
        services.remind(dept, campaign.pk)
    assert refused.value.status == 409 and "提醒间隔" in refused.value.msg
    assert not Notice.objects.filter(title__startswith="邀请签署").exists()
