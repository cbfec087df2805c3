"""The read-only store: reads work beside a writer, writes fail in the database itself."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from monitor.errors import SchemaOutOfDate, StorageError
from monitor.store.engine import transaction
from monitor.store.migrate import head_revision, migrations_head
from monitor.store.readonly import check_schema, make_reader, read_session


def test_reader_reads_and_cannot_write(engine: Engine, db_url: str) -> None:
    reader = make_reader(db_url)
    try:
        check_schema(reader)
        with read_session(reader) as s:
            assert s.scalar(text("SELECT count(*) FROM sources")) == 0
        with pytest.raises(StorageError, match=r"readonly|read-only|read only"):
            with read_session(reader) as s:
                s.execute(text("DELETE FROM sources"))
    finally:
        reader.dispose()


def test_a_read_does_not_block_the_writer(engine: Engine, db_url: str) -> None:
    reader = make_reader(db_url)
    try:
        with read_session(reader) as s:
            s.execute(text("SELECT count(*) FROM hits")).scalar()
            with transaction(engine) as w:  # the daemon writing meanwhile
                w.execute(text("DELETE FROM digests"))
    finally:
        reader.dispose()


def test_out_of_date_and_empty_databases_are_refused(engine: Engine, db_url: str) -> None:
    with engine.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = '0000old'"))
    reader = make_reader(db_url)
    with pytest.raises(SchemaOutOfDate, match="run: monitor db upgrade"):
        check_schema(reader)
    with engine.begin() as c:
        c.execute(text("DELETE FROM alembic_version"))
    with pytest.raises(StorageError, match="run `monitor crawl` first"):
        check_schema(reader)
    reader.dispose()


def test_the_head_read_from_the_files_is_alembics(engine: Engine) -> None:
    assert migrations_head() == head_revision(engine) is not None
