"""A record's trace (认定依据): its rule path's steps stored once (Ruling) with the record's
own dates filled in, then the steps of its own; the same trace as `determine` gives."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from xinyong.accounts.models import Role, Unit, User
from xinyong.policies import rulebook
from xinyong.records import determination as d
from xinyong.records import imports, services
from xinyong.records.models import Record, Ruling

TODAY = timezone.localdate


def submission(n: int, decided: dt.date, **changes: Any) -> services.Submission:
    data: dict[str, Any] = {
        "subject_kind": "organization", "subject_name": "福州马尾康宁医疗器械有限公司",
        "subject_code": "91350105MA2Y00001R", "behavior": "fz_mask_fraud",
        "occurred_on": decided - dt.timedelta(days=5), "decided_on": decided,
        "decision_no": f"榕马市监罚〔{decided.year}〕{n}号", "facts": "销售假冒口罩",
        "severity": "serious"}
    return services.Submission(**{**data, **changes})


def test_records_along_one_path_share_a_ruling_and_keep_their_own_dates(
        loaded: Any, unit: Unit) -> None:
    old, _ = services.submit(unit, submission(1, dt.date(2020, 3, 2)))
    older, _ = services.submit(unit, submission(2, dt.date(2020, 4, 9)))
    assert old.status == older.status == d.EXPIRED
    assert old.ruling_id == older.ruling_id and Ruling.objects.count() == 1
    for record in (Record.objects.get(pk=old.pk), Record.objects.get(pk=older.pk)):
        facts = submission(0, record.decided_on).facts_for_rules(unit.region)
        assert record.trace == d.determine(rulebook.current(), facts, TODAY()).trace
        assert f"已于 {record.ends_on.isoformat()} 届满" in record.trace[-2]["effect"]
    assert "{ends_on}" in Ruling.objects.get().trace[-2]["effect"]  # stored once, as a template


def test_a_deferral_names_its_own_date(loaded: Any, taicang_unit: Unit) -> None:
    decided = dt.date(2020, 4, 1)
    sub = submission(
        3, decided, subject_name="太仓娄江纺织进出口有限公司", subject_code="91320585MA1N000039",
        behavior="tc_order_unfulfilled", severity="general", force_majeure=True,
        rectify_by=dt.date(2020, 4, 30))
    record, _ = services.submit(taicang_unit, sub, today=dt.date(2020, 4, 10))
    assert record.status == d.DEFERRED
    step = next(s for s in record.trace if s["rule"].startswith("deferral:"))
    assert step["effect"].startswith("暂缓：2020-04-30 前按期整改")
    stored = next(s for s in Ruling.objects.get(pk=record.ruling_id).trace
                  if s["rule"].startswith("deferral:"))
    assert stored["effect"].startswith("暂缓：{rectify_by} 前按期整改")


def test_a_later_step_is_the_records_own(loaded: Any, taicang_unit: Unit,
                                         make_user: Callable[..., User], api: Callable[..., Any]
                                         ) -> None:
    client = api(make_user("tc", Role.DEPARTMENT, unit=taicang_unit))
    decided = TODAY() - dt.timedelta(days=30)
    record = client.post_json("/api/v1/records", {
        "subject": {"kind": "organization", "name": "太仓娄江纺织进出口有限公司",
                    "code": "91320585MA1N000039"},
        "behavior": "tc_work_resumption_not_as_required",
        "occurred_on": (decided - dt.timedelta(days=3)).isoformat(),
        "decided_on": decided.isoformat(), "decision_no": "太工信责改〔2026〕3号",
        "facts": "未按复工复产方案落实防控措施", "severity": "general"}).json()
    before = record["trace"]
    done = client.post_json(f"/api/v1/records/{record['id']}/rectified", {
        "rectified_on": (TODAY() - dt.timedelta(days=2)).isoformat(),
        "note": "复查合格，复查意见书 太工信复〔2026〕3号"}).json()
    assert done["trace"][:len(before)] == before  # the shared steps, unchanged
    assert done["trace"][-1]["rule"] == "list:watch:rectified"
    stored = Record.objects.get(pk=record["id"])
    assert stored.own_trace == done["trace"][len(before):]
    assert Ruling.objects.get(pk=stored.ruling_id).trace == before  # nothing stored twice


def test_a_record_from_before_rulings_keeps_its_whole_trace(loaded: Any, unit: Unit) -> None:
    record, _ = services.submit(unit, submission(4, dt.date(2020, 3, 2)))
    steps = record.trace
    Record.objects.filter(pk=record.pk).update(ruling=None, own_trace=steps)  # as migrated
    assert Record.objects.get(pk=record.pk).trace == steps


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def test_an_imported_file_has_the_traces_determine_gives(loaded: Any, unit: Unit,
                                                          media: Path) -> None:
    """Every imported row: the trace, window and lists `determine` gives its facts."""
    header = ("subject_kind,subject_name,subject_code,behavior,occurred_on,decided_on,"
              "decision_no,facts,severity")
    rows = []
    for n in range(60):
        decided = dt.date(2020, 3, 1) + dt.timedelta(days=n * 37)
        behavior, severity = [("fz_mask_fraud", "serious"), ("fz_market_disruption", "general"),
                              ("fz_market_disruption", "serious"), ("fz_donation", "minor")][n % 4]
        kind, code = (("person", "350105198506123010") if behavior == "fz_donation"
                      else ("organization", "91350105MA2Y00001R"))
        rows.append(f"{kind},名称{n},{code},{behavior},{decided - dt.timedelta(days=n % 9)},"
                    f"{decided},文号{n},事实,{severity}")
    path = media / "f.csv"
    path.write_text("\n".join([header, *rows]), encoding="utf-8")
    job = imports.run(imports.create_job(unit, path, enqueue=False).pk, today=TODAY())
    assert (job.status, job.accepted) == ("done", 60)
    book = rulebook.current()
    for record in Record.objects.select_related("ruling", "subject"):
        facts = d.Facts(behavior=record.behavior, subject_kind=record.subject.kind,
                        occurred_on=record.occurred_on, decided_on=record.decided_on,
                        severity=record.severity, region=unit.region)
        expected = d.determine(book, facts, TODAY())
        assert record.trace == expected.trace
        assert record.status == expected.status
        assert [e["code"] for e in record.lists] == [e.code for e in expected.lists]
    assert Ruling.objects.count() < 20  # a few paths, not one per row
