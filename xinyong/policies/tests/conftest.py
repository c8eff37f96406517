from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from xinyong.policies import loader

DATA = Path(__file__).parent / "data"


@pytest.fixture
def shipped(db: Any) -> list[Any]:
    """The packs shipped with the platform, loaded as `xinyong migrate` loads them."""
    return loader.load_shipped()

