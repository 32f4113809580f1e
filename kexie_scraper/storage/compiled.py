"""Statements of the per-article hot path, compiled once per dialect and run through the
database driver.

SQLAlchemy Core builds every statement here, so the SQL is still Core's and every value
a bound parameter; what is skipped is its per-execution work — processing each bound
parameter and each result column in Python — which, for the few statements that run for
every report, cost more than the database's own work (py-spy on ``kexie bench --scale``,
README "Benchmark"):

* ``Compiled``: a lookup (the candidate query binds 200 parameters; at 100,000 stored
  reports SQLAlchemy's handling took 440 µs against 160 for the query itself);
* ``ManyRows``: an INSERT or upsert of many rows without RETURNING (the 25 LSH band rows
  of each report; a page's sightings), as one ``executemany``;
* ``RowsReturning``: an ``INSERT … ON CONFLICT DO NOTHING RETURNING`` of a page's rows
  (articles, signatures). On SQLite it runs row by row on the driver's cursor (sqlite3
  prepares a statement once and reuses it): a page of 5 articles took 0.51–0.66 of the
  time of Core's multi-row form (``benchmarks/insert_returning.py``, 4 alternating
  rounds: 231–311 against 366–515 µs); on PostgreSQL it stays one Core
  statement, one round trip for all the rows. A driver error is raised as SQLAlchemy's
  ``DBAPIError``, as from Core.
"""

from __future__ import annotations

import operator
import sqlite3
from typing import Any, Callable, Sequence

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError


def tuple_getter(names: Sequence[str]) -> Callable[[dict[str, Any]], tuple]:
    """values → the tuple of ``values[name]`` for ``names``, in one C call where it can be."""
    if len(names) > 1:
        return operator.itemgetter(*names)
    return lambda values: tuple(values[name] for name in names)  # itemgetter of one name gives no tuple


class Compiled:
    """A Core statement compiled once for the dialect and run by ``exec_driver_sql``; the
    result rows are the driver's (bytes, str, int)."""

    def __init__(self, statement, dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        # Parameters with a value at compile time are constants (LIMIT 64, OFFSET 0).
        self.fixed = {name: value for name, value in compiled.params.items() if value is not None}
        order = compiled.positiontup  # positional drivers (sqlite3); None for psycopg's named style
        self.positional = None if order is None else tuple_getter(order)

    def run(self, conn: Connection, params: dict[str, Any]):
        values = {**self.fixed, **params}
        return conn.exec_driver_sql(self.sql, values if self.positional is None else self.positional(values))


class ManyRows:
    """An INSERT (or upsert) without RETURNING, run for many rows as one ``executemany``;
    rows as tuples in ``columns`` order (``run``) or as dicts holding every column
    (``run_dicts``). ``columns``: the statement's parameters, in the table's column order."""

    def __init__(self, statement, columns: Sequence[str], dialect) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(columns))
        self.sql, self.columns = str(compiled), tuple(columns)
        order = compiled.positiontup
        if order is not None and tuple(order) != self.columns:  # a positional driver binds in this order
            raise AssertionError(f"{statement.table.name}: parameters {order}, expected {self.columns}")
        self.positional = order is not None
        self.values = tuple_getter(self.columns)

    def run(self, conn: Connection, rows: list[tuple]) -> None:
        if rows:
            conn.exec_driver_sql(self.sql, rows if self.positional else [dict(zip(self.columns, row)) for row in rows])

    def run_dicts(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        if not self.positional:  # psycopg binds by name: the dicts as they are
            if rows:
                conn.exec_driver_sql(self.sql, [{name: row[name] for name in self.columns} for row in rows])
            return
        self.run(conn, [self.values(row) for row in rows])


class RowsReturning:
    """``statement`` (an INSERT … ON CONFLICT DO NOTHING RETURNING …) for rows given as
    dicts with every one of ``columns``; returns the RETURNING rows of those inserted."""

    def __init__(self, statement, columns: Sequence[str], dialect) -> None:
        self.statement = statement
        self.sql = None
        if dialect.name == "sqlite":
            compiled = statement.compile(dialect=dialect, column_keys=list(columns))
            self.sql, self.values = str(compiled), tuple_getter(compiled.positiontup)

    def run(self, conn: Connection, rows: list[dict[str, Any]]) -> list[tuple]:
        if not rows:
            return []
        if self.sql is None:
            return [tuple(row) for row in conn.execute(self.statement, rows)]
        cursor = conn.connection.driver_connection.cursor()
        try:
            returned: list[tuple] = []
            for row in rows:
                returned.extend(cursor.execute(self.sql, self.values(row)).fetchall())
            return returned
        except sqlite3.Error as exc:
            raise DBAPIError.instance(self.sql, None, exc, sqlite3.Error) from exc
        finally:
            cursor.close()
