"""Credit repair applications (信用修复申请): a case about one published dishonest record."""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from xinyong.casework import choices as c
from xinyong.casework.models import Case, CaseEvidence, evidence_path, one_open_case_per
from xinyong.lib.choices import ChoiceSet
from xinyong.repairs import choices

__all__ = ["Evidence", "Repair", "evidence_path"]


class Repair(Case):
    """A subject's application to repair one published dishonest record."""

    STATUS: ClassVar[ChoiceSet] = choices.STATUS
    QUERY_PREFIX = "XF"
    NOUN = "信用修复申请"
    UNIT_ROLE = "认定单位"

    record = models.ForeignKey("records.Record", on_delete=models.PROTECT, related_name="repairs")
    status = models.CharField("状态", max_length=20, choices=choices.STATUS.choices,
                              default=c.SUBMITTED, db_index=True)
    statement = models.TextField("修复说明")
    commitment = models.BooleanField("已签署信用承诺")
    # The 信用修复承诺书 signed with the application (commitments app): numbered, kept as a
    # PDF, on the credit file; a breach of it is handled like any commitment's.
    signed_commitment = models.OneToOneField("commitments.Commitment", verbose_name="信用修复承诺书",
                                             null=True, blank=True, on_delete=models.PROTECT,
                                             related_name="repair")
    green_flags = models.JSONField("绿色通道情形", default=list, blank=True)
    channel = models.CharField("渠道", max_length=16, choices=choices.CHANNEL.choices)
    channel_basis = models.CharField("渠道依据", max_length=16, choices=choices.BASIS.choices,
                                     blank=True)
    channel_note = models.CharField("渠道说明", max_length=300, blank=True)
    claim_status = models.CharField("自报情形核实", max_length=16,
                                    choices=choices.CLAIM_STATUS.choices, blank=True)
    # 不可抗力事实性证明编号 the applicant cites (an issued certificate of its own).
    force_majeure_certificate = models.CharField("不可抗力事实性证明编号", max_length=22, blank=True,
                                                 default="", db_default="")

    class Meta(Case.Meta):
        verbose_name = "信用修复申请"
        constraints = [one_open_case_per("record", "one_open_repair_per_record")]


class Evidence(CaseEvidence):
    """A file the applicant attached (履行义务的证明, 信用承诺书 ...)."""

    case = models.ForeignKey(Repair, on_delete=models.CASCADE, related_name="files")
