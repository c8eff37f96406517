from __future__ import annotations

from typing import Any

import pytest

from xinyong.conftest_helpers import PERSON_ID
from xinyong.conftest_helpers import licence_submission as licence
from xinyong.conftest_helpers import penalty_submission as penalty
from xinyong.licences import services as licences
from xinyong.records import services


@pytest.fixture
def reported(loaded: Any, unit: Any) -> dict[str, Any]:
    fined, _ = services.submit(unit, penalty("福州马尾甲餐饮有限公司", "榕马市监罚〔2026〕11号", ("罚款",),
                                             fine="5"))
    person, _ = services.submit(unit, penalty("陈明", "榕马市监罚〔2026〕12号", ("罚款",),
                                              subject_code=PERSON_ID, kind="person", fine="2"))
    granted, _ = licences.submit(unit, licence())
    return {"fined": fined, "person": person, "licence": granted}


