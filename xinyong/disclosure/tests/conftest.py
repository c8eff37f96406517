from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from stdnum.cn import uscc

from xinyong.licences import services as licences
from xinyong.licences.tests.conftest import licence
from xinyong.records import services
from xinyong.records.penalties import Penalty


def code(body: str) -> str:
    return body + uscc.calc_check_digit(body)


ORG_A, ORG_B = code("91350105MA2Y00041"), code("91350105MA2Y00042")
PERSON_ID = "350105198506123010"


def penalty(name: str, number: str, categories: tuple[str, ...], *, subject_code: str = ORG_A,
            kind: str = "organization", fine: str | None = None, days_ago: int = 5) -> Any:
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return services.Submission(
        subject_kind=kind, subject_name=name, subject_code=subject_code,
        behavior="administrative_penalty", occurred_on=day, decided_on=day, decision_no=number,
        facts="未按规定明码标价", severity="",
        penalty=Penalty(category=categories, content=f"{'、'.join(categories)}",
                        fine_wan=Decimal(fine) if fine else None, authority_name="马尾区市场监管局"))


@pytest.fixture
def entries(loaded: Any, unit: Any, other_unit: Any) -> dict[str, Any]:
    """Published penalties of two units, an exempted (minor) and a withdrawn one, a person's;
    licences valid, withdrawn and a person's."""
    made: dict[str, Any] = {}
    made["fined"], _ = services.submit(unit, penalty("福州马尾甲餐饮有限公司", "榕马市监罚〔2026〕801号",
                                                     ("罚款",), fine="5"))
    made["revoked"], _ = services.submit(other_unit, penalty(
        "福州马尾乙药店有限公司", "榕马发改罚〔2026〕802号", ("吊销许可证件",), subject_code=ORG_B,
        days_ago=20))
    made["warned"], _ = services.submit(unit, penalty("福州马尾甲餐饮有限公司", "榕马市监罚〔2026〕803号",
                                                      ("警告",)))
    made["person"], _ = services.submit(unit, penalty("陈明", "榕马市监罚〔2026〕804号", ("罚款",),
                                                      subject_code=PERSON_ID, kind="person",
                                                      fine="2"))
    made["withdrawn"], _ = services.submit(unit, penalty("福州马尾甲餐饮有限公司", "榕马市监罚〔2026〕805号",
                                                         ("罚款",), fine="3"))
    services.withdraw(made["withdrawn"], "决定已撤销", actor=None)
    made["licence"], _ = licences.submit(unit, licence())
    made["licence_person"], _ = licences.submit(unit, licence(
        subject_kind="person", subject_name="陈明", subject_code=PERSON_ID,
        decision_no="榕马市监许〔2026〕502号", kind="登记"))
    made["licence_gone"], _ = licences.submit(unit, licence(decision_no="榕马市监许〔2026〕503号"))
    licences.withdraw(made["licence_gone"], "许可已撤销", actor=None)
    return made
