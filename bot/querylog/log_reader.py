"""The work behind `quotebot log ...`: open the database named by DATABASE_URL and print what was asked."""

import argparse
import asyncio
import json
import os
import shutil
import sys
from typing import TextIO

from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from bot.cli.exit_codes import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from bot.querylog import reads
from bot.querylog.database_url import InvalidDatabaseURL, describe, describe_error
from bot.querylog.engine import create_log_engine
from bot.querylog.migrations import SchemaTooNew, migrate
from bot.querylog.output import record_rows, stats_json, write_stats_table
from bot.querylog.record import utc_now
from bot.querylog.settings import InvalidSetting, settings_from_env
from bot.querylog.stats import compute_stats

_LISTS = {"recent": reads.EVERYTHING, "unanswered": reads.UNANSWERED, "flagged": reads.FLAGGED}


async def _print_log(args: argparse.Namespace, url: URL, out: TextIO) -> None:
    engine = create_log_engine(url)
    try:
        await migrate(engine)
        width = shutil.get_terminal_size((120, 24)).columns
        if args.log_command == "stats":
            stats = await compute_stats(engine, utc_now(), args.limit)
            if args.format == "jsonl":
                out.write(json.dumps(stats_json(stats), ensure_ascii=False) + "\n")
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


def run_log(args: argparse.Namespace) -> int:
    """Run a parsed `log` command; returns the exit status, explaining failures without a traceback."""
    try:
        settings = settings_from_env()
    except (InvalidDatabaseURL, InvalidSetting) as error:
        print(f"quotebot log: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        asyncio.run(_print_log(args, settings.database_url, sys.stdout))
    except SchemaTooNew as error:
        print(f"quotebot log: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (SQLAlchemyError, OSError, TimeoutError) as error:
        where = describe(settings.database_url)
        print(f"quotebot log: cannot read the query log at {where}: {describe_error(error)}", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK
