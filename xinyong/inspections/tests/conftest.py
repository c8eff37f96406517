"""Subjects for the draw tests: real USCCs in several regions, of several kinds, scales and
grades (stored as the nightly recompute would store them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from xinyong.conftest_helpers import uscc_of
from xinyong.scores.models import SubjectGrade
from xinyong.subjects.models import Subject, get_or_create_subject

SME = "fuzhou-2020-4:sme_fewer_inspections"
_serial = iter(range(1, 10**6))


def new_code(kind: str, region: str) -> str:
    prefix = "92" if kind == "individual_business" else "91"
    return uscc_of(f"{prefix}{region}MA{next(_serial):07d}")


@pytest.fixture
def make_subject(db: Any) -> Callable[..., Subject]:
    """A market subject in `region`, of `scale`, with a stored `grade` (None: not stored)."""

    def make(name: str, *, region: str = "350105", kind: str = "organization",
             scale: str = "", grade: str | None = "B", adjustments: str = "") -> Subject:
        subject = get_or_create_subject(kind, new_code(kind, region), name)[0]
        if scale:
            subject.scale = scale
            subject.save(update_fields=["scale"])
        if grade:
            SubjectGrade.objects.create(
                subject=subject, grade=grade, rule="test", policy="platform-defaults",
                adjustments=adjustments, computed_at=timezone.now(),
                as_of=timezone.localdate() - dt.timedelta(days=1))
        return subject

    return make


@pytest.fixture
def market(loaded: Any, make_subject: Callable[..., Subject], person: Subject,
           organization: Subject) -> dict[str, Subject]:
    """Seven market subjects (the root fixture's organisation, without a stored grade, among
    them) and a person (who has a stored grade row, which must not matter)."""
    SubjectGrade.objects.create(subject=person, grade="D", rule="test", policy="platform-defaults",
                                computed_at=timezone.now(), as_of=timezone.localdate())
    return {
        "mawei_a": make_subject("马尾甲医疗器械有限公司", scale="medium", grade="A", adjustments=SME),
        "mawei_b": make_subject("马尾乙贸易有限公司", scale="large", grade="B"),
        "gulou_c": make_subject("鼓楼丙餐饮有限公司", region="350102", scale="large", grade="C"),
        "mawei_shop": make_subject("马尾丁记小吃店", kind="individual_business", scale="micro",
                                   grade="B", adjustments=SME),
        "taicang_d": make_subject("太仓戊化工有限公司", region="320585", scale="small", grade="D"),
        # No stored grade yet: graded on the spot (no records: B; scale unknown: 20%).
        "mawei_new": make_subject("马尾己新设有限公司", grade=None),
        "organization": organization,
    }
