"""API (placeholder until built)."""

from ninja import Router

router = Router(tags=["commitments"])
