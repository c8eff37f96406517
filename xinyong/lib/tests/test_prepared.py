"""Statements prepared once per connection (lib/prepared.py): the values stay parameters,
PostgreSQL prepares on first use and keeps the statement through rolled-back transactions
and re-prepares on a new connection; SQLite runs the plain SQL."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from xinyong.lib.prepared import Statement

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                     reason="only PostgreSQL prepares")
ADD = Statement("test_add", "SELECT CAST(%s AS INTEGER) + 1, CAST(%s AS TEXT)")


def run(statement: Statement, *params: Any) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        statement.execute(cursor, params)
        return list(cursor.fetchall())


def test_values_are_parameters(db: Any) -> None:
    assert run(ADD, 1, "a'b") == [(2, "a'b")]
    assert run(ADD, 41, "'); DROP TABLE x; --") == [(42, "'); DROP TABLE x; --")]


def test_only_positional_placeholders() -> None:
    with pytest.raises(ValueError, match="positional"):
        Statement("bad", "SELECT %(a)s")
    with pytest.raises(ValueError, match="positional"):
        Statement("bad", "SELECT 'x' LIKE 'a%%'")


@postgresql_only
def test_prepared_on_first_use_then_only_executed(db: Any) -> None:
    statement = Statement("test_once", "SELECT CAST(%s AS INTEGER) * 2")
    with CaptureQueriesContext(connection) as first:
        assert run(statement, 2) == [(4,)]
    with CaptureQueriesContext(connection) as second:
        assert run(statement, 3) == [(6,)]
    assert [q["sql"].split()[0] for q in first.captured_queries] == ["PREPARE", "EXECUTE"]
    assert [q["sql"].split()[0] for q in second.captured_queries] == ["EXECUTE"]


@postgresql_only
def test_a_rolled_back_transaction_keeps_the_statement(db: Any) -> None:
    statement = Statement("test_rollback", "SELECT CAST(%s AS INTEGER) - 1")

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        assert run(statement, 5) == [(4,)]  # prepared inside the transaction
        raise Undo
    assert run(statement, 7) == [(6,)]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_again() -> None:
    statement = Statement("test_reconnect", "SELECT CAST(%s AS INTEGER) + 10")
    assert run(statement, 1) == [(11,)]
    connection.close()
    with CaptureQueriesContext(connection) as again:
        assert run(statement, 2) == [(12,)]
    assert [q["sql"].split()[0] for q in again.captured_queries] == ["PREPARE", "EXECUTE"]
