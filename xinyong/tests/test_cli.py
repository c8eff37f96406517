"""The `xinyong` command."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.migrations.recorder import MigrationRecorder

from xinyong.cli import main


def test_migrate_refuses_a_database_from_before_the_migrations_were_regenerated(db: Any) -> None:
    MigrationRecorder.Migration.objects.create(app="records", name="0009_closed_cause")
    with pytest.raises(SystemExit) as stopped:
        main(["migrate", "--no-input"])
    assert "records.0009_closed_cause" in str(stopped.value.code)
    assert "var/xinyong.sqlite3" in str(stopped.value.code)
