"""The data steps of the records migrations that turned text into fields: a closed record's
cause (0009, from the prefix of its reason) and an import's default severity (0010, from
its message). Each step is run on rows written the old way."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

from django.apps import apps

from xinyong.records import services
from xinyong.records.models import ImportJob, Record

D = dt.date


def step(name: str) -> Any:
    return importlib.import_module(f"xinyong.records.migrations.{name}")


def test_closed_records_get_their_cause_from_the_old_reason_text(loaded: Any, unit: Any,
                                                                  organization: Any) -> None:
    made = []
    for n, (status, reason) in enumerate([
            ("withdrawn", "异议成立：处罚决定已被撤销"), ("withdrawn", "经核实有误"),
            ("withdrawn", "因异议成立以外的原因撤销"), ("repaired", "信用修复（XF2026000001）"),
            ("published", "")]):
        record = services.submit(unit, services.Submission(
            subject_kind=organization.kind, subject_name=organization.name,
            subject_code=organization.full_code(), behavior="administrative_penalty",
            occurred_on=D(2026, 3, 20), decided_on=D(2026, 4, 1),
            decision_no=f"迁移〔2026〕{n}号", facts="", severity="general"), today=D(2026, 4, 1))[0]
        Record.objects.filter(pk=record.pk).update(status=status, closed_reason=reason,
                                                   closed_cause="")
        made.append(record.pk)
    step("0009_closed_cause").fill(apps, None)
    causes = dict(Record.objects.filter(pk__in=made).values_list("pk", "closed_cause"))
    assert [causes[pk] for pk in made] == [
        "objection_upheld", "withdrawn", "withdrawn", "repaired", ""]


def test_an_imports_default_severity_moves_from_its_message_to_the_field(unit: Any) -> None:
    def job(message: str) -> int:
        return ImportJob.objects.create(unit=unit, file_name="a.csv", file_path="/nowhere",
                                        sha256="0" * 64, message=message).pk

    old, plain, none = job("default_severity=serious"), job("导入完成"), job("")
    step("0010_import_default_severity").move(apps, None)
    found = {pk: (j.default_severity, j.message)
             for pk, j in ImportJob.objects.in_bulk([old, plain, none]).items()}
    assert found == {old: ("serious", ""), plain: ("", "导入完成"), none: ("", "")}
