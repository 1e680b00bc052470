"""Async engines for the query log, with the per-database settings the log relies on."""

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

DEFAULT_CONNECT_TIMEOUT = 5.0
# How long a SQLite writer waits for another process's write lock before failing (and being retried).
SQLITE_BUSY_TIMEOUT_MS = 30_000
# The execution option that marks an engine's connections as reading only (see `reading`).
_READ_ONLY = "quotebot_read_only"


def _make_sqlite_transactions_real(engine: AsyncEngine) -> None:
    """Let SQLite run DDL inside transactions and take the write lock at BEGIN.

    Python's sqlite3 driver leaves DDL outside transactions and begins lazily; migrations need
    both to be atomic, and BEGIN IMMEDIATE makes concurrent writers wait on busy_timeout instead
    of failing when a read lock cannot be upgraded. WAL lets the CLI read while the bot writes;
    connections of `reading(engine)` begin DEFERRED, so a read never queues for the write lock.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL is a property of the file: one connection switching it is enough. Two starting together can
        # wait on each other's locks, so a connection that cannot switch within a second leaves it be.
        cursor.execute("PRAGMA busy_timeout=1000")
        with contextlib.suppress(sqlite3.OperationalError):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get(_READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def reading(engine: AsyncEngine) -> AsyncEngine:
    """The same engine (and pool) for transactions that only read.

    On SQLite every transaction otherwise takes the write lock at BEGIN: a conversation's read before a
    question then waits behind every log and conversation write of the bot (and gives up after a second
    under load). In WAL mode a read needs no lock a writer holds. PostgreSQL ignores the option.
    """
    return engine.execution_options(**{_READ_ONLY: True})


def create_private_sqlite_file(url: URL) -> None:
    """Create a SQLite log file (and its folder) readable by this user only, before SQLite opens it.

    SQLite gives the WAL and shared-memory files the main file's permissions, so all three are
    0600; a folder this creates is 0700. An existing file keeps the mode its operator gave it.
    """
    if url.get_backend_name() != "sqlite" or not url.database:
        return
    path = Path(url.database)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def create_log_engine(url: URL, connect_timeout: float = DEFAULT_CONNECT_TIMEOUT) -> AsyncEngine:
    """Create the engine; connections fail fast so an outage is noticed and retried, not waited out."""
    if url.get_backend_name() == "sqlite":
        Path(url.database or "").parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _make_sqlite_transactions_real(engine)
        return engine
    return create_async_engine(
        url,
        pool_pre_ping=True,
        connect_args={"timeout": connect_timeout, "command_timeout": 10 * connect_timeout},
    )
