"""Statuses of financing needs (融资需求), products' targets and states, with labels and
badge colours.

A need is `submitted` while it waits for an institution (待受理), `accepted` once one took
it (对接中), then `lent` (已放款) or `declined` (未放款, with the reason); the subject may
withdraw it while open. The shared `refused` (不予受理) is not used: an institution that
does not want a need leaves it to the others.
"""

from __future__ import annotations

from xinyong.casework import choices as c
from xinyong.casework.choices import statuses
from xinyong.lib.choices import Choice, ChoiceSet

LENT, DECLINED = "lent", "declined"
STATUS = statuses(Choice(LENT, "已放款", "text-bg-success"),
                  Choice(DECLINED, "未放款", "text-bg-secondary"),
                  **{c.SUBMITTED: "待金融机构受理", c.ACCEPTED: "对接中"})

# Whom a product is meant for (产品对象); the matching says which a subject meets today.
HONEST, GRADE_AB, PRIORITY, SME = "honesty_incentive", "grade_ab", "priority", "sme"
TARGETS = ChoiceSet(
    Choice(HONEST, "守信激励对象"),
    Choice(GRADE_AB, "信用评价 A、B 类企业"),
    Choice(PRIORITY, "疫情防控重点保障及受疫情影响较大的企业"),
    Choice(SME, "中小微企业及个体工商户"),
)

PUBLISHED, WITHDRAWN = "published", "withdrawn"
PRODUCT_STATUS = ChoiceSet(Choice(PUBLISHED, "在售", "text-bg-success"),
                           Choice(WITHDRAWN, "已下架", "text-bg-secondary"))

# Who may post a need: enterprises and individual businesses (SME financing).
APPLICANT_KINDS = ("organization", "individual_business")
