"""Statuses of force-majeure certificate applications (不可抗力事实性证明), with labels
and badge colours.

The shared steps' `refused` is 不予受理 (the application is not taken up); a certificate
refused after review is `not_issued` (不予出具), so the two stay apart in the API.
"""

from __future__ import annotations

from xinyong.casework.choices import statuses
from xinyong.lib.choices import Choice

ISSUED, NOT_ISSUED = "issued", "not_issued"
STATUS = statuses(Choice(ISSUED, "已出具", "text-bg-success"),
                  Choice(NOT_ISSUED, "不予出具", "text-bg-secondary"))

# The service a pack in force must offer for applications to be taken (太仓 8).
SERVICE = "force_majeure_certificate"

# What the applicant is asked to attach (the form and the guide name them).
EVIDENCE_KINDS = ("政府部门发布的疫情防控通知或公告", "航班、班轮、铁路等运输取消或延误通知",
                  "报关单、出口货物退运等海关单证", "出口合同", "订舱或货运代理协议")
