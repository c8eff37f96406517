from typing import Any

import pytest


@pytest.fixture
def unit(taicang_unit: Any) -> Any:
    """The checks here are mostly of 太仓's lists and measures: the reporting unit and the
    checking department (`users[Role.DEPARTMENT]`) are in 太仓, whose measures they get.
    `other_unit` stays a 马尾区 unit."""
    return taicang_unit
