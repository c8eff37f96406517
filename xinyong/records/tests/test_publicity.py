"""One rule for "published on a given day", held to the same answers in every form it takes:
the Python predicate, the ORM condition, the checks' raw SQL, the record list's status
filter and `effective_status` (Hypothesis generates the records and the days)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xinyong.checks import engine
from xinyong.records import determination as d
from xinyong.records import publicity, services
from xinyong.records.filtersets import status_q
from xinyong.records.models import Record, effective_status

D = dt.date
STATUSES = [d.PUBLISHED, d.DEFERRED, d.EXPIRED, d.EXEMPTED, d.RECTIFIED, d.WITHDRAWN, d.REPAIRED]
DAYS = st.dates(min_value=D(2025, 12, 1), max_value=D(2027, 3, 1))
EXAMPLES = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def row(loaded: Any, unit: Any, organization: Any) -> Record:
    """One real record; each example rewrites its status and dates."""
    return services.submit(unit, services.Submission(
        subject_kind=organization.kind, subject_name=organization.name,
        subject_code=organization.full_code(), behavior="administrative_penalty",
        occurred_on=D(2026, 3, 20), decided_on=D(2026, 4, 1), decision_no="公示规则〔2026〕1号",
        facts="", severity="general"), today=D(2026, 4, 1))[0]


def rewrite(record: Record, **dates: Any) -> Record:
    Record.objects.filter(pk=record.pk).update(**dates)
    return Record.objects.get(pk=record.pk)


def answers(record: Record, day: dt.date) -> dict[str, bool]:
    in_sql = any(r[0] == "r" and r[5] == record.pk
                 for r in engine._lookup([record.subject.code_digest], day))
    return {
        "python": publicity.is_published(record, day),
        "orm": Record.objects.published_on(day).filter(pk=record.pk).exists(),
        "sql": in_sql,
    }


@st.composite
def any_rows(draw: Any) -> tuple[dict[str, Any], dt.date]:
    """Any row at all, status and dates drawn freely, and a day. Each date is null, far off,
    or within three days of the day drawn, so that the boundaries (the day a window begins
    or ends, the day a record was closed) come up in most examples, not by chance."""
    day = draw(DAYS)

    def date() -> dt.date | None:
        return draw(st.none() | DAYS
                    | st.integers(-3, 3).map(lambda n: day + dt.timedelta(days=n)))

    fields = {"status": draw(st.sampled_from(STATUSES)), "starts_on": date(),
              "ends_on": date(), "closed_on": date(), "rectify_by": date()}
    return fields, day


@EXAMPLES
@given(drawn=any_rows())
def test_predicate_orm_and_sql_agree_on_any_row(row: Record,
                                                 drawn: tuple[dict[str, Any], dt.date]) -> None:
    fields, day = drawn
    record = rewrite(row, **fields)
    found = answers(record, day)
    assert len(set(found.values())) == 1, (found, fields, day)
    # The record list filters by the status it shows (the same rule in SQL).
    shown = effective_status(record, day)
    for status_shown in STATUSES:
        listed = Record.objects.filter(status_q(status_shown, day), pk=record.pk).exists()
        assert listed == (shown == status_shown), (status_shown, shown, fields, day)


@st.composite
def made_records(draw: Any) -> tuple[dict[str, Any], dt.date]:
    """A record as the platform makes it (a publicity window from its decision, or from the
    day after a rectification deadline; closed on some day), and a day it exists on."""
    decided = draw(st.dates(min_value=D(2026, 1, 1), max_value=D(2026, 12, 31)))
    deferred = draw(st.booleans())
    rectify_by = decided + dt.timedelta(days=draw(st.integers(1, 30))) if deferred else None
    starts = rectify_by + dt.timedelta(days=1) if rectify_by else decided
    ends = draw(st.none() | st.integers(0, 400).map(lambda n: starts + dt.timedelta(days=n)))
    status = draw(st.sampled_from(STATUSES))
    closed = None
    if status in (d.WITHDRAWN, d.REPAIRED):
        closed = decided + dt.timedelta(days=draw(st.integers(0, 500)))
    never_shown = status in (d.EXEMPTED, d.RECTIFIED)
    fields = {"status": status, "starts_on": None if never_shown else starts,
              "ends_on": None if never_shown else ends, "closed_on": closed,
              "rectify_by": rectify_by, "decided_on": decided}
    day = decided + dt.timedelta(days=draw(st.integers(0, 600)))
    return fields, day


@EXAMPLES
@given(made=made_records())
def test_effective_status_says_published_exactly_when_the_rule_does(
    row: Record, made: tuple[dict[str, Any], dt.date]
) -> None:
    fields, day = made
    record = rewrite(row, **fields)
    found = answers(record, day)
    assert len(set(found.values())) == 1, found
    assert (effective_status(record, day) == d.PUBLISHED) == found["python"], (fields, day)
