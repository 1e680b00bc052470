"""The work behind `quotebot log ...`: open the database named by DATABASE_URL and print what was asked."""

import argparse
import asyncio
import json
import os
import shutil
import sys
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli.exit_codes import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from bot.querylog import reads
from bot.querylog.database_url import InvalidDatabaseURL, describe, describe_error
from bot.querylog.engine import create_log_engine
from bot.querylog.migrations import SchemaTooNew, migrate
from bot.querylog.ops import Review
from bot.querylog.output import record_rows, stats_json, write_stats_csv, write_stats_table
from bot.querylog.record import ReviewStatus, clean_text, utc_now
from bot.querylog.record_id import is_record_id, new_record_id
from bot.querylog.settings import InvalidSetting, settings_from_env
from bot.querylog.stats import compute_stats
from bot.querylog.writes import apply_ops

_LISTS = {"recent": reads.EVERYTHING, "unanswered": reads.UNANSWERED, "flagged": reads.FLAGGED}


_VERDICTS = {"ok": ReviewStatus.OK, "flag": ReviewStatus.FLAGGED}


class NoSuchRecord(LookupError):
    """`log review` named a record the log does not hold."""


async def _print_log(args: argparse.Namespace, url: URL, out: TextIO) -> None:
    engine = create_log_engine(url)
    try:
        await migrate(engine)
        width = shutil.get_terminal_size((120, 24)).columns
        if args.log_command == "review":
            await _review(engine, args, out)
            return
        if args.log_command == "stats":
            stats = await compute_stats(engine, utc_now(), args.limit)
            if args.format == "jsonl":
                out.write(json.dumps(stats_json(stats), ensure_ascii=False) + "\n")
            elif args.format == "csv":
                write_stats_csv(stats, out)
            else:
                write_stats_table(stats, out, width)
            return
        rows = record_rows(args.format, out, width)
        if args.log_command == "export":
            async for record in reads.export(engine, args.since, args.limit):
                rows.write(record)
        else:
            for record in await reads.newest(engine, _LISTS[args.log_command], args.limit, args.since):
                rows.write(record)
    finally:
        await engine.dispose()


async def _review(engine: AsyncEngine, args: argparse.Namespace, out: TextIO) -> None:
    """Write the verdict straight to the database, as the bot's writer would."""
    if not is_record_id(args.record_id):
        raise NoSuchRecord(args.record_id)
    note = None if args.note is None else clean_text(args.note)
    review = Review(new_record_id(), args.record_id, _VERDICTS[args.verdict], note)
    outcomes = await apply_ops(engine, [review])
    if not outcomes[review.key]:
        raise NoSuchRecord(args.record_id)
    out.write(f"marked {args.record_id} as {args.verdict}\n")


def where_the_log_is(url: URL) -> str:
    """The SQLite file's path, or the database URL with its user info hidden."""
    return (url.database or "") if url.get_backend_name() == "sqlite" else describe(url)


def run_log(args: argparse.Namespace) -> int:
    """Run a parsed `log` command; returns the exit status, explaining failures without a traceback."""
    try:
        settings = settings_from_env()
    except (InvalidDatabaseURL, InvalidSetting) as error:
        print(f"quotebot log: {error}", file=sys.stderr)
        return EXIT_USAGE
    url = settings.database_url
    where = where_the_log_is(url)
    if url.get_backend_name() == "sqlite" and not Path(where).is_file():
        print(
            f"quotebot log: there is no query log at {where}; the bot creates it when it first runs. "
            "set QUOTEBOT_DATA_DIR (or DATABASE_URL) to where the bot keeps it",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    print(f"quotebot log: reading {where}", file=sys.stderr)
    try:
        asyncio.run(_print_log(args, url, sys.stdout))
    except NoSuchRecord as error:
        print(f"quotebot log: no such record: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except SchemaTooNew as error:
        print(f"quotebot log: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (SQLAlchemyError, OSError, TimeoutError) as error:
        print(f"quotebot log: cannot read the query log at {where}: {describe_error(error)}", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK
