"""Hand-written migrations whose SQL is for PostgreSQL only (search and covering indexes,
extensions): on SQLite they do nothing, and the plain queries serve."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import migrations


def _run(statements: list[str]) -> Callable[[Any, Any], None]:
    def apply(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return apply


def postgresql_only(create: list[str], drop: list[str]) -> migrations.RunPython:
    """The operation that runs `create` forwards and `drop` backwards, on PostgreSQL only."""
    return migrations.RunPython(_run(create), _run(drop), elidable=False)
