"""Force-majeure certificates (不可抗力事实性证明, 太仓 8): an exporter's application, a case
the office (or the member unit a pack names) reviews, and, once issued, a signed PDF that
anyone can verify by its number or QR code."""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from xinyong.casework import choices as c
from xinyong.casework.models import Case, CaseEvidence
from xinyong.certificates import choices
from xinyong.lib.choices import ChoiceSet
from xinyong.reports.models import SignedDocument


class Certificate(Case, SignedDocument):
    """An exporter's application for a certificate of the facts of a force-majeure event;
    the SignedDocument fields (number, PDF, proof) are filled when it is issued."""

    STATUS: ClassVar[ChoiceSet] = choices.STATUS
    QUERY_PREFIX = "BK"  # 不可抗力
    NOUN = "不可抗力事实性证明申请"
    UNIT_ROLE = "出具单位"

    # Null: the office (信用办) handles the application itself (the packs' default).
    # Nullable here (Case.unit_name names the office for a null unit).
    unit = models.ForeignKey(  # type: ignore[assignment]
        "accounts.Unit", verbose_name="出具单位", null=True, blank=True, on_delete=models.PROTECT)
    status = models.CharField("状态", max_length=20, choices=choices.STATUS.choices,
                              default=c.SUBMITTED, db_index=True)
    contract_no = models.CharField("合同编号", max_length=100)
    contract_date = models.DateField("合同签订日期", null=True, blank=True)
    goods = models.CharField("合同标的（货物）", max_length=300, blank=True)
    counterparty = models.CharField("合同相对方", max_length=200)
    counterparty_region = models.CharField("相对方所在国家或地区", max_length=100, blank=True)
    event = models.CharField("不可抗力事件", max_length=300)
    facts = models.TextField("事实经过")
    # The pack and clause that offer the service (太信用办〔2020〕1号 8), as printed on the
    # certificate; `policy`/`clause` are those of the time limits.
    service_policy = models.CharField("出具依据", max_length=64)
    service_clause = models.CharField(max_length=64)

    class Meta(Case.Meta):
        verbose_name = "不可抗力事实性证明申请"


class Evidence(CaseEvidence):
    """A file the applicant attached (疫情防控通知, 运输取消通知, 海关单证, 出口合同 ...)."""

    case = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="files")
