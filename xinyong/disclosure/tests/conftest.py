from __future__ import annotations

from typing import Any

import pytest

from xinyong.conftest_helpers import (
    ORG_A_CODE,
    ORG_B_CODE,
    PERSON_ID,
    penalty_submission,
    uscc_of,
)
from xinyong.conftest_helpers import (
    licence_submission as licence,
)
from xinyong.licences import services as licences
from xinyong.records import services

ORG_A, ORG_B = uscc_of(ORG_A_CODE), uscc_of(ORG_B_CODE)
penalty = penalty_submission


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
