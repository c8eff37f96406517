"""One rule for "in force on a given day" (在列), held to the same answers in every form it
takes: the Python predicate (pages and the API, through describe), the ORM condition
(public lists, the credit file) and the checks' raw SQL (Hypothesis draws the dates)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xinyong.accounts.models import Unit
from xinyong.checks import engine
from xinyong.lists.choices import EXIT
from xinyong.lists.models import Membership, describe, is_active
from xinyong.lists.tests.test_memberships import submit

D = dt.date
DAYS = st.dates(min_value=D(2025, 12, 1), max_value=D(2027, 3, 1))
EXAMPLES = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def unit(taicang_unit: Unit) -> Unit:
    return taicang_unit  # the cases of test_memberships are 太仓's findings


@pytest.fixture
def row(loaded: Any, unit: Unit) -> Membership:
    """One real membership; each example rewrites its dates."""
    return Membership.objects.get(record=submit(unit))


@st.composite
def any_dates(draw: Any) -> tuple[dict[str, Any], dt.date]:
    """Any dates at all and a day; each date far off or within three days of the day, so
    that the boundaries (the first day, the last, the first day off) come up often."""
    day = draw(DAYS)

    def date() -> dt.date:
        return draw(DAYS | st.integers(-3, 3).map(lambda n: day + dt.timedelta(days=n)))

    def maybe() -> dt.date | None:
        return None if draw(st.booleans()) else date()

    ended_on = maybe()
    fields = {"since": date(), "until": maybe(), "ended_on": ended_on,
              "exit_reason": draw(st.sampled_from(EXIT.values)) if ended_on else ""}
    return fields, day


@EXAMPLES
@given(drawn=any_dates())
def test_predicate_orm_and_sql_agree(row: Membership, drawn: tuple[dict[str, Any], dt.date]) -> None:
    fields, day = drawn
    Membership.objects.filter(pk=row.pk).update(**fields)
    membership = Membership.objects.get(pk=row.pk)
    rows = engine._lookup([membership.subject.code_digest], day)
    found = {
        "python": is_active(membership, day),
        "orm": Membership.objects.active_on(day).filter(pk=row.pk).exists(),
        "sql": any(r[0] == "m" and r[2] == membership.list_code for r in rows),
        "describe": describe(Membership.objects.filter(pk=row.pk), day)[0]["active"],
    }
    assert len(set(found.values())) == 1, (found, fields, day)
