"""Page numbers as people and programs send them: a page past the end (or a number too
large for the database) shows the last page instead of failing."""

from __future__ import annotations

import math


def clamp(page: int, total: int, page_size: int) -> int:
    """`page` within 1 … the last page of `total` items (1 when there are none)."""
    last = max(math.ceil(total / page_size), 1) if page_size > 0 else 1
    return min(max(page, 1), last)
