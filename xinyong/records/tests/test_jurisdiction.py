"""Jurisdictions: a unit reports only under the packs governing its region (API, form,
bulk file, correction), and only those packs' exemptions and lists apply to its records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from xinyong.accounts.models import Role, Unit, User
from xinyong.lists.models import Membership
from xinyong.records import imports
from xinyong.records.models import Record

FUZHOU_COMPANY = {"kind": "organization", "name": "福州马尾康宁医疗器械有限公司",
                  "code": "91350105MA2Y00001R"}


def body(**changes: Any) -> dict[str, Any]:
    decided = timezone.localdate() - dt.timedelta(days=10)
    data: dict[str, Any] = {
        "subject": FUZHOU_COMPANY, "behavior": "tc_price_gouging",
        "occurred_on": (decided - dt.timedelta(days=5)).isoformat(),
        "decided_on": decided.isoformat(), "decision_no": "榕马市监罚〔2026〕31号",
        "facts": "哄抬口罩价格", "severity": "general",
    }
    return {**data, **changes}


@pytest.fixture
def mawei(loaded: Any, users: dict[str, User], api: Callable[..., Any]) -> Any:
    return api(users[Role.DEPARTMENT])


@pytest.fixture
def taicang(loaded: Any, taicang_unit: Unit, make_user: Callable[..., User],
            api: Callable[..., Any]) -> Any:
    return api(make_user("tc_reporter", Role.DEPARTMENT, unit=taicang_unit))


def test_a_mawei_unit_cannot_report_under_taicang_rules(mawei: Any) -> None:
    # What was seen: a 马尾区 unit reported a 福州 company under 太仓's tc_price_gouging,
    # published for a year, where 福州 二.6 on the same facts exempts it.
    response = mawei.post_json("/api/v1/records", body())
    assert response.status_code == 422, response.content
    error = response.json()["errors"][0]
    assert error["loc"] == ["behavior"]
    assert "太信用办〔2020〕1号" in error["msg"] and "太仓市（320585）" in error["msg"]
    assert "马尾区（350105）" in error["msg"]
    assert Record.objects.count() == 0
    # The same facts under its own city's rule: 福州 二.6 needs 情节比较严重, so a general
    # case is kept but not published.
    own = mawei.post_json("/api/v1/records", body(behavior="fz_market_disruption"))
    assert own.status_code == 201, own.content
    assert own.json()["status"] == "exempted"


def test_national_rules_govern_everywhere_and_a_unit_without_region_only_them(
        loaded: Any, make_user: Callable[..., User], api: Callable[..., Any]) -> None:
    bare = Unit.objects.create(code="11350105003000002T", name="卫生健康委员会")  # no region
    client = api(make_user("no_region", Role.DEPARTMENT, unit=bare))
    refused = client.post_json("/api/v1/records", body(behavior="fz_market_disruption"))
    assert refused.status_code == 422
    assert "本单位未设置行政区划代码" in refused.json()["errors"][0]["msg"]
    penalty = client.post_json("/api/v1/records", body(behavior="administrative_penalty"))
    assert penalty.status_code == 201, penalty.content


def test_a_taicang_unit_reports_taicang_behaviours(taicang: Any) -> None:
    response = taicang.post_json("/api/v1/records", body())
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "published"


def test_taicang_exemptions_do_not_reach_a_mawei_units_penalty(mawei: Any, taicang: Any) -> None:
    facts = body(behavior="administrative_penalty", violation_type="合同违约",
                 circumstances={"force_majeure": True})
    mawei_record = mawei.post_json("/api/v1/records", facts).json()
    taicang_record = taicang.post_json("/api/v1/records", facts).json()
    assert mawei_record["status"] == "published"
    assert taicang_record["status"] == "exempted"


def test_the_form_offers_only_the_units_behaviours(
        loaded: Any, users: dict[str, User], web: Callable[..., Any]) -> None:
    page = web(users[Role.DEPARTMENT]).get("/records/new/").content.decode()
    assert 'value="fz_market_disruption"' in page
    assert 'value="administrative_penalty"' in page
    assert 'value="tc_price_gouging"' not in page


def test_the_form_names_the_behavior_field_when_refused(
        loaded: Any, users: dict[str, User], web: Callable[..., Any]) -> None:
    # A stale page (or a crafted post) sending another jurisdiction's behaviour: the choice
    # list refuses it beside the field.
    data = body()
    page = web(users[Role.DEPARTMENT]).post("/records/new/", {
        "subject_kind": "organization", "subject_name": FUZHOU_COMPANY["name"],
        "subject_code": FUZHOU_COMPANY["code"], "behavior": "tc_price_gouging",
        "occurred_on": data["occurred_on"], "decided_on": data["decided_on"],
        "decision_no": data["decision_no"], "severity": "general",
    })
    assert page.status_code == 422
    assert 'data-error-for="behavior"' in page.content.decode()
    assert Record.objects.count() == 0


def test_a_bulk_row_under_another_jurisdiction_is_a_row_error(
        loaded: Any, users: dict[str, User], unit: Unit, tmp_path: Path) -> None:
    decided = (timezone.localdate() - dt.timedelta(days=10)).isoformat()
    path = tmp_path / "rows.csv"
    path.write_text(
        "主体类别,主体名称,统一社会信用代码,行为代码,决定日期,决定文书号,情节\n"
        f"organization,{FUZHOU_COMPANY['name']},{FUZHOU_COMPANY['code']},tc_price_gouging,"
        f"{decided},榕马市监罚〔2026〕40号,general\n"
        f"organization,{FUZHOU_COMPANY['name']},{FUZHOU_COMPANY['code']},administrative_penalty,"
        f"{decided},榕马市监罚〔2026〕41号,general\n", encoding="utf-8")
    job = imports.create_job(unit, path, actor=users[Role.DEPARTMENT], accept_partial=True,
                             enqueue=False)
    job = imports.run(job.pk)
    assert (job.status, job.accepted, job.rejected) == ("done", 1, 1)
    assert job.errors[0]["row"] == 2 and job.errors[0]["field"] == "behavior"
    assert "太仓市（320585）" in job.errors[0]["msg"]


def test_lists_follow_the_reporting_units_jurisdiction(taicang: Any, mawei: Any) -> None:
    # A serious wildlife case: 太仓 10 puts it on 联合惩戒; reported in 马尾 under 福州 二.8
    # it enters 福州's 重点监管对象, never 太仓's list.
    facts = body(severity="serious")
    taicang.post_json("/api/v1/records", {**facts, "behavior": "tc_wildlife_trade"})
    mawei.post_json("/api/v1/records", {**facts, "behavior": "fz_wildlife_food_trade",
                                        "decision_no": "榕马农罚〔2026〕2号"})
    by_policy = set(Membership.objects.values_list("policy", "list_code"))
    assert by_policy == {("taicang-2020-1", "joint_punishment"),
                         ("fuzhou-2020-4", "key_supervision")}


def test_unit_create_with_region(db: Any) -> None:
    out = StringIO()
    call_command("unit", "create", "11320585003000002Y", "--name", "太仓市商务局",
                 "--region", "320585", stdout=out)
    assert out.getvalue().strip().endswith("region 320585")
    assert Unit.objects.get(code="11320585003000002Y").region == "320585"
    with pytest.raises(CommandError, match="--region：行政区划代码应为 6 位数字"):
        call_command("unit", "create", "11350105003000003X", "--name", "公安局", "--region", "35010")
    assert not Unit.objects.filter(code="11350105003000003X").exists()


def test_the_office_sets_a_units_region(users: dict[str, User], unit: Unit,
                                        web: Callable[..., Any]) -> None:
    bare = Unit.objects.create(code="11350105003000002T", name="卫生健康委员会")
    client = web(users[Role.OFFICE])
    page = client.get("/office/units/").content.decode()
    assert "未设置：只能按全国性政策报送" in page
    bad = client.post(f"/office/units/{bare.pk}/region/", {"region": "3501"}, follow=True)
    assert "行政区划代码应为 6 位数字" in bad.content.decode()
    client.post(f"/office/units/{bare.pk}/region/", {"region": "350105"})
    bare.refresh_from_db()
    assert bare.region == "350105"
    assert web(users[Role.DEPARTMENT]).post(
        f"/office/units/{bare.pk}/region/", {"region": "320585"}).status_code == 403
    out = StringIO()
    call_command("unit", "region", bare.code, "--region", "320585", stdout=out)
    assert Unit.objects.get(pk=bare.pk).region == "320585"


def test_the_office_home_names_units_without_a_region(
        users: dict[str, User], web: Callable[..., Any]) -> None:
    Unit.objects.create(code="11350105003000002T", name="卫生健康委员会")
    page = web(users[Role.OFFICE]).get("/").content.decode()
    warning = page.split('data-testid="units-without-region"')[1].split("</div>")[0]
    assert "卫生健康委员会" in warning and "市场监督管理局" not in warning
