"""The outbox: every change of a 双公示 entry, written with the change itself."""

from __future__ import annotations

import datetime as dt
from typing import Any

from xinyong.conftest_helpers import ORG_A_CODE, PERSON_ID, uscc_of
from xinyong.conftest_helpers import licence_submission as licence
from xinyong.conftest_helpers import penalty_submission as penalty
from xinyong.exchange.models import Change
from xinyong.licences import services as licences
from xinyong.records import services


def ops(kind: str = "penalty") -> list[tuple[int, int, str]]:
    return list(Change.objects.filter(kind=kind).order_by("id")
                .values_list("object_id", "version", "op"))


def test_a_penalty_through_its_life(loaded: Any, unit: Any) -> None:
    record, _ = services.submit(unit, penalty("福州马尾甲餐饮有限公司", "榕马市监罚〔2026〕1号", ("罚款",),
                                              fine="5"))
    services.correct(record, {"facts": "更正后的事实"}, "笔误", actor=None)
    services.withdraw(record, "决定已撤销", actor=None)
    assert ops() == [(record.pk, 1, "new"), (record.pk, 2, "corrected"), (record.pk, 3, "withdrawn")]
    assert {c.unit_id for c in Change.objects.all()} == {unit.pk}


def test_exempted_and_other_records(loaded: Any, unit: Any) -> None:
    warned, _ = services.submit(unit, penalty("福州马尾甲餐饮有限公司", "榕马市监罚〔2026〕2号", ("警告",)))
    assert warned.status == "exempted" and ops() == [(warned.pk, 1, "exempted")]
    day = dt.date(2020, 2, 20)
    local = services.Submission(
        subject_kind="organization", subject_name="福州马尾甲餐饮有限公司", subject_code=uscc_of(ORG_A_CODE),
        behavior="fz_mask_fraud", occurred_on=day, decided_on=day, decision_no="榕〔2020〕3号",
        facts="", severity="serious")
    services.submit(unit, local)
    assert len(ops()) == 1  # not a 双公示 penalty: it stays on this platform


def test_a_deferred_penalty_goes_when_published(loaded: Any, unit: Any) -> None:
    from xinyong.exchange.outbox import note_record

    record, _ = services.submit(unit, penalty("福州马尾甲餐饮有限公司", "榕马市监罚〔2026〕9号", ("罚款",),
                                              fine="2"))
    Change.objects.all().delete()
    record.status = "deferred"
    assert note_record(record, "created") is None and note_record(record, "corrected") is None
    record.status = "published"  # the deferral lapsed (records.services.refresh_statuses)
    change = note_record(record, "published")
    assert change is not None and change.op == "new"
    assert note_record(record, "expired") is None and note_record(record, "rectified") is None


def test_a_persons_penalty_and_licences(loaded: Any, unit: Any) -> None:
    record, _ = services.submit(unit, penalty("陈明", "榕马市监罚〔2026〕4号", ("罚款",),
                                              subject_code=PERSON_ID, kind="person", fine="2"))
    assert ops() == [(record.pk, 1, "new")]
    granted, _ = licences.submit(unit, licence())
    licences.correct(granted, {"licence_no": "JY2"}, "编号", actor=None)
    licences.withdraw(granted, "撤销", actor=None)
    assert ops("licence") == [(granted.pk, 1, "new"), (granted.pk, 2, "corrected"),
                              (granted.pk, 3, "withdrawn")]
