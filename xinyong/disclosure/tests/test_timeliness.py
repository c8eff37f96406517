"""Timeliness: working days from decision to the platform, across a holiday, per unit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from xinyong.accounts.models import Role, Unit
from xinyong.conftest_helpers import licence_submission as licence
from xinyong.disclosure import timeliness
from xinyong.disclosure.tests.conftest import ORG_A, ORG_B, penalty
from xinyong.licences import services as licences
from xinyong.licences.models import Licence
from xinyong.records import services
from xinyong.records.models import Record

SHANGHAI = ZoneInfo("Asia/Shanghai")
DECIDED = dt.date(2026, 9, 30)  # the day before the National Day holiday (10-01 … 10-07)


def received(model: Any, pk: int, day: dt.date) -> None:
    model.objects.filter(pk=pk).update(created_at=dt.datetime.combine(day, dt.time(16), SHANGHAI))


def sub(number: str, code: str = ORG_A) -> Any:
    base = penalty("福州马尾甲餐饮有限公司", number, ("罚款",), subject_code=code, fine="5")
    from dataclasses import replace

    return replace(base, occurred_on=DECIDED, decided_on=DECIDED)


def test_working_days_follow_the_chinese_calendar() -> None:
    # 10-08, 10-09, 10-10 (a working Saturday), 10-12 … 10-15: seven working days.
    assert timeliness.working_days(DECIDED, dt.date(2026, 10, 15)) == 7
    assert timeliness.working_days(DECIDED, dt.date(2026, 10, 16)) == 8
    assert timeliness.working_days(DECIDED, DECIDED) == 0


def test_the_limit_comes_from_the_packs(loaded: Any) -> None:
    limit = timeliness.limit_for("350105", DECIDED, "penalties")
    assert limit is not None and (limit.working_days, limit.policy) == (7, "platform-defaults")


def test_the_rules_are_read_once_however_many_days(reported: dict[str, Any], unit: Unit,
                                                   django_assert_max_num_queries: Any) -> None:
    """The dashboard counts a year: one rulebook look-up, not one per (unit, decision day,
    day received) row (25,000 round trips at 1,000,000 records)."""
    for n in range(12):
        day = dt.date(2026, 9, 1) + dt.timedelta(days=n)
        extra, _ = services.submit(unit, sub(f"榕马市监罚〔2026〕{950 + n}号"))
        Record.objects.filter(pk=extra.pk).update(decided_on=day)
        received(Record, extra.pk, day + dt.timedelta(days=n % 3 + 1))
    with django_assert_max_num_queries(5):  # units, the rulebook's key, two grouped counts
        stats = timeliness.unit_stats(dt.date(2026, 9, 1), dt.date(2026, 10, 31),
                                      Unit.objects.all())
    assert sum(s.total for s in stats) == 4 + 12


@pytest.fixture
def reported(loaded: Any, unit: Unit, other_unit: Unit) -> dict[str, Any]:
    """Unit: one penalty on the 7th working day, one on the 8th, a licence on the 9th;
    other unit: one penalty the next day."""
    on_time, _ = services.submit(unit, sub("榕马市监罚〔2026〕901号"))
    late, _ = services.submit(unit, sub("榕马市监罚〔2026〕902号"))
    prompt, _ = services.submit(other_unit, sub("榕马发改罚〔2026〕903号", ORG_B))
    granted, _ = licences.submit(unit, licence(decided_on=DECIDED))
    received(Record, on_time.pk, dt.date(2026, 10, 15))
    received(Record, late.pk, dt.date(2026, 10, 16))
    received(Record, prompt.pk, dt.date(2026, 10, 8))
    received(Licence, granted.pk, dt.date(2026, 10, 19))
    return {"on_time": on_time, "late": late, "prompt": prompt, "licence": granted}


def test_share_within_the_limit_per_unit(reported: dict[str, Any], unit: Unit,
                                         other_unit: Unit) -> None:
    stats = {s.unit.pk: s for s in timeliness.unit_stats(
        dt.date(2026, 9, 1), dt.date(2026, 10, 31), Unit.objects.all())}
    mine, theirs = stats[unit.pk], stats[other_unit.pk]
    assert (mine.total, mine.within, mine.late, mine.longest) == (3, 1, 2, 9)
    assert mine.share == pytest.approx(1 / 3)
    assert (theirs.total, theirs.within, theirs.share) == (1, 1, 1.0)
    late = timeliness.late_entries(dt.date(2026, 9, 1), dt.date(2026, 10, 31), Unit.objects.all())
    assert sorted((e["entry"].decision_no, e["days"]) for e in late) == [
        ("榕马市监罚〔2026〕902号", 8), ("榕马市监许〔2026〕501号", 9)]


def test_late_entries_are_flagged_on_the_pages(reported: dict[str, Any], users: dict[str, Any],
                                                web: Callable[..., Any]) -> None:
    clerk = web(users[Role.DEPARTMENT])
    late = clerk.get(f"/records/{reported['late'].pk}/").content.decode()
    assert "决定后第 8 个工作日报送" in late and "超期报送" in late
    on_time = clerk.get(f"/records/{reported['on_time'].pk}/").content.decode()
    assert "决定后第 7 个工作日报送" in on_time and "超期报送" not in on_time
    assert "超期报送" in clerk.get(f"/licences/{reported['licence'].pk}/").content.decode()
    page = clerk.get("/publicity/timeliness/?start=2026-09-01&end=2026-10-31").content.decode()
    assert "榕马市监罚〔2026〕902号" in page and "榕马发改罚〔2026〕903号" not in page
    assert "33%" in page
    office = web(users[Role.OFFICE]).get("/publicity/timeliness/?start=2026-09-01&end=2026-10-31")
    text = office.content.decode()
    assert "发展和改革局" in text and "100%" in text
    public = web().get(f"/publicity/penalties/{reported['late'].pk}/").content.decode()
    assert "超期" not in public  # an internal measure, not shown to the public
    assert web().get("/publicity/timeliness/").status_code in (302, 403)
