"""Objections (异议) to records or to repair decisions: a case about one record."""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from xinyong.casework import choices as c
from xinyong.casework.models import Case, CaseEvidence, one_open_case_per
from xinyong.lib.choices import ChoiceSet
from xinyong.objections import choices


class Objection(Case):
    """A subject disputes a record (or a repair decision on it)."""

    STATUS: ClassVar[ChoiceSet] = choices.STATUS
    QUERY_PREFIX = "YY"
    NOUN = "异议申请"
    UNIT_ROLE = "核实单位"

    record = models.ForeignKey("records.Record", on_delete=models.PROTECT,
                               related_name="objections")
    repair = models.ForeignKey("repairs.Repair", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="objections")
    status = models.CharField("状态", max_length=20, choices=choices.STATUS.choices,
                              default=c.SUBMITTED, db_index=True)
    reason = models.TextField("异议理由")
    evidence_text = models.TextField("证据材料说明", blank=True)
    remedy = models.CharField("处理结果", max_length=20, choices=choices.REMEDY.choices, blank=True)

    class Meta(Case.Meta):
        verbose_name = "异议申请"
        constraints = [one_open_case_per("record", "one_open_objection_per_record")]


class Evidence(CaseEvidence):
    """A file the applicant attached (行政复议决定书, 缴款凭证 ...)."""

    case = models.ForeignKey(Objection, on_delete=models.CASCADE, related_name="files")
