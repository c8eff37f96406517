"""Statements prepared once per database connection (PostgreSQL), for the few short queries
that run on every API call.

PostgreSQL plans a statement on every execution unless it is prepared, and for these
look-ups planning costs several times the execution: 0.29 against 0.06 ms for the check's
look-up, 0.49 against 0.02 ms for the token's (EXPLAIN ANALYZE, check benchmark database).
Django's psycopg cursors bind client-side and never prepare, so a `Statement` is prepared
with SQL's own PREPARE on the first use on each connection and run as `EXECUTE name(...)`
through the ordinary Django cursor: the values are still parameters, errors, query logging
and `assertNumQueries` behave as for any query. Prepared statements live as long as the
connection (a rolled-back transaction keeps them); a new connection prepares again.

PostgreSQL plans the first five executions of a prepared statement for their values and
then keeps a generic plan if it is no dearer: so prepare look-ups by equality on a key (one
code as a scalar, not an array of any length, whose custom plans it would keep judging
cheaper and re-plan on every call). Not for a pooler in transaction mode (pgbouncer), which
would hand the statements to other sessions' connections.

On other databases (SQLite) a Statement is run as its plain SQL.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

_PLACEHOLDER = re.compile(r"%s")


class Statement:
    """One constant SQL text with `%s` placeholders, prepared as `xinyong_<name>`."""

    def __init__(self, name: str, sql: str) -> None:
        if "%%" in sql or "%(" in sql:
            raise ValueError("a prepared statement takes positional %s placeholders only")
        self.name = f"xinyong_{name}"
        self.sql = sql
        count = 0

        def number(_: re.Match[str]) -> str:
            nonlocal count
            count += 1
            return f"${count}"

        # PostgreSQL infers each parameter's type from where it stands (a column compared
        # or assigned to it), so the statement needs no type list.
        self.prepare_sql = f"PREPARE {self.name} AS {_PLACEHOLDER.sub(number, sql)}"
        self.execute_sql = (f"EXECUTE {self.name}({', '.join(['%s'] * count)})" if count
                            else f"EXECUTE {self.name}")

    def execute(self, cursor: Any, params: Sequence[Any] = ()) -> None:
        """Run on `cursor` (a Django cursor); fetch from it as after `cursor.execute`."""
        db = cursor.db
        if db.vendor != "postgresql":
            cursor.execute(self.sql, params)
            return
        done = _prepared(db)
        if self.name not in done:
            cursor.execute(self.prepare_sql)
            done.add(self.name)
        cursor.execute(self.execute_sql, params)


def _prepared(db: Any) -> set[str]:
    """Names prepared on `db`'s current connection (a new connection starts empty). The
    connection object itself is kept with the set, so a later one cannot take its id."""
    mine = getattr(db, "_xinyong_prepared", None)
    if mine is None or mine[0] is not db.connection:
        mine = db._xinyong_prepared = (db.connection, set())
    return mine[1]  # type: ignore[no-any-return]
