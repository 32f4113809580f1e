"""The hot path's statements run through the driver (``storage/compiled.py``) store and
return exactly what SQLAlchemy Core's do, on SQLite and PostgreSQL, and fail the same way."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from kexie_scraper.storage import open_store, schema
from kexie_scraper.storage.compiled import ManyRows, RowsReturning, tuple_getter


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'k.sqlite'}"
    return request.getfixturevalue("pg_url")


def _signature(n: int, region: str | None = "510100") -> dict:
    return {"article_id": f"a{n}", "content_hash": f"h{n}", "region_code": region,
            "page_url": f"https://example.org/{n}?q='; DROP TABLE signatures; --",
            "signature": bytes(range(256)) * 3 + n.to_bytes(4, "big")}


# Pages of signature rows, some already stored (a{2}, a{4} again) and one twice in a page.
PAGES = [[_signature(1), _signature(2, None)], [_signature(2), _signature(3)], [_signature(4), _signature(4), _signature(5)],
         [_signature(4)], []]


def _stored(store) -> list[tuple]:
    s = schema.signatures
    with store.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(select(s).order_by(s.c.id))]


def test_rows_returning_gives_what_core_gives(db_url, tmp_path):
    """The same pages through Core's multi-row INSERT … RETURNING and through
    ``RowsReturning``: the same rows returned page by page, the same table after."""
    results, tables = [], []
    # SQLite: a file each; PostgreSQL: the test's schema, emptied between the two passes.
    urls = [db_url, f"sqlite:///{tmp_path / 'driver.sqlite'}" if db_url.startswith("sqlite") else db_url]
    for how, url in zip(("core", "driver"), urls):
        store = open_store(url)
        try:
            s = schema.signatures
            insert = (sqlite_insert if store.dialect == "sqlite" else pg_insert)(s)
            statement = insert.on_conflict_do_nothing().returning(s.c.id, s.c.article_id)
            driver = RowsReturning(statement, schema.SIGNATURE_COLUMNS, store.engine.dialect)
            returned = []
            for page in PAGES:
                with store.engine.begin() as conn:
                    if how == "core":
                        returned.append([tuple(row) for row in conn.execute(statement, page)] if page else [])
                    else:
                        returned.append(driver.run(conn, page))
            results.append(returned)
            tables.append(_stored(store))
            if store.dialect == "postgresql":  # the second pass starts from an empty table too
                with store.engine.begin() as conn:
                    conn.exec_driver_sql("TRUNCATE signatures RESTART IDENTITY")
        finally:
            store.close()
    assert results[0] == results[1]
    assert [[aid for _, aid in page] for page in results[1]] == [["a1", "a2"], ["a3"], ["a4", "a5"], [], []]
    assert tables[0] == tables[1] and len(tables[1]) == 5
    assert all(bytes(row[-1]) == _signature(int(row[1][1:]))["signature"] for row in tables[1])


def test_a_driver_error_is_raised_as_sqlalchemys(db_url):
    """A row the database refuses (a NOT NULL column left empty) raises SQLAlchemy's
    IntegrityError, as Core would, and its transaction stores nothing."""
    store = open_store(db_url)
    try:
        s = schema.signatures
        insert = (sqlite_insert if store.dialect == "sqlite" else pg_insert)(s)
        driver = RowsReturning(insert.on_conflict_do_nothing().returning(s.c.id, s.c.article_id),
                               schema.SIGNATURE_COLUMNS, store.engine.dialect)
        with pytest.raises(IntegrityError):
            with store.engine.begin() as conn:
                driver.run(conn, [_signature(1), {**_signature(2), "content_hash": None}])
        assert _stored(store) == []
    finally:
        store.close()


def test_many_rows_inserts_tuples_in_column_order(db_url):
    store = open_store(db_url)
    try:
        recent = schema.signature_bands_recent
        rows = [(7, 51, 1), (-1, 0, 2), (2 ** 62, 11, 3)]
        with store.engine.begin() as conn:
            ManyRows(recent.insert(), schema.BAND_COLUMNS, store.engine.dialect).run(conn, rows)
            ManyRows(recent.insert(), schema.BAND_COLUMNS, store.engine.dialect).run(conn, [])
            ManyRows(recent.insert(), schema.BAND_COLUMNS, store.engine.dialect).run_dicts(
                conn, [{"signature_id": 4, "province": 33, "band_key": 9, "unused": "x"}])
        with store.engine.connect() as conn:
            stored = [tuple(row) for row in conn.execute(select(recent.c.band_key, recent.c.province, recent.c.signature_id))]
        assert sorted(stored) == sorted([*rows, (9, 33, 4)])
    finally:
        store.close()


def test_many_rows_refuses_a_column_order_the_driver_would_bind_wrongly():
    from sqlalchemy.dialects import sqlite

    with pytest.raises(AssertionError, match="signature_bands_recent"):
        ManyRows(schema.signature_bands_recent.insert(), ("signature_id", "band_key", "province"), sqlite.dialect())


def test_tuple_getter_gives_a_tuple_for_any_number_of_names():
    values = {"a": 1, "b": 2, "c": 3}
    assert tuple_getter(["c", "a"])(values) == (3, 1)
    assert tuple_getter(["b"])(values) == (2,)
    assert tuple_getter([])(values) == ()
