"""Small helpers for tests (imported by test modules; kept out of the shipped code paths)."""

from __future__ import annotations

from typing import Any


def login(client: Any, user: Any) -> None:
    """Log a test client in without going through the login form (and its lock-out)."""
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
