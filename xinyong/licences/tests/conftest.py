from __future__ import annotations

from xinyong.conftest_helpers import MARKET_CODE, SHOP_BODY, uscc_of

AUTHORITY_CODE = uscc_of(MARKET_CODE)
SHOP_CODE = uscc_of(SHOP_BODY)
