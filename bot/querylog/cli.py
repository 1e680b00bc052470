"""`quotebot log ...`: read the query log from a terminal, reading DATABASE_URL like the bot.

The lead's bot/cli.py mounts this with `add_log_subcommand` and dispatches to `run_log_command`;
`python -m bot.querylog.cli log ...` runs it on its own.
"""

import argparse
import asyncio
import json
import os
import shutil
import sys
from datetime import datetime
from typing import TextIO

from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from bot.querylog import reads
from bot.querylog.database_url import InvalidDatabaseURL, describe, describe_error
from bot.querylog.engine import create_log_engine
from bot.querylog.migrations import SchemaTooNew, migrate
from bot.querylog.output import record_rows, stats_json, write_stats_table
from bot.querylog.record import utc_now
from bot.querylog.settings import InvalidSetting, settings_from_env
from bot.querylog.since import parse_since
from bot.querylog.stats import compute_stats

_LISTS = {"recent": reads.EVERYTHING, "unanswered": reads.UNANSWERED, "flagged": reads.FLAGGED}
_DEFAULT_LIMIT = 20
_DEFAULT_TOP = 10


def _since(text: str) -> datetime:
    try:
        return parse_since(text, utc_now())
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return int(text)


def add_log_subcommand(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add `log recent|unanswered|flagged|stats|export` to the quotebot command line."""
    log_parser = subparsers.add_parser("log", help="read the query log (DATABASE_URL as for the bot)")
    commands = log_parser.add_subparsers(dest="log_command", required=True, metavar="COMMAND")
    descriptions = {
        "recent": "newest questions",
        "unanswered": "newest questions the bot found no quotation for",
        "flagged": "questions with an unreviewed 👎 or flagged by a moderator",
        "export": "every record (newest first), for spreadsheets or programs",
    }
    for name, description in descriptions.items():
        command = commands.add_parser(name, help=description, description=description)
        command.add_argument(
            "--since", type=_since, help="ISO date/time (UTC) or duration back from now: 30m, 12h, 7d, 2w"
        )
        command.add_argument(
            "--limit",
            type=_positive,
            default=None if name == "export" else _DEFAULT_LIMIT,
            help="most records to show" + ("" if name == "export" else f" (default {_DEFAULT_LIMIT})"),
        )
        command.add_argument(
            "--format",
            choices=("table", "csv", "jsonl"),
            default="jsonl" if name == "export" else "table",
            help="table fits the terminal; csv guards cells against spreadsheet formulas; jsonl is exact",
        )
    stats = commands.add_parser(
        "stats",
        help="today's and the last 7 days' figures",
        description="today's and the last 7 days' figures (UTC)",
    )
    stats.add_argument(
        "--limit",
        type=_positive,
        default=_DEFAULT_TOP,
        help=f"top questions to show (default {_DEFAULT_TOP})",
    )
    stats.add_argument("--format", choices=("table", "jsonl"), default="table")


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


def run_log_command(args: argparse.Namespace) -> int:
    """Run a parsed `log` command; returns the exit status, explaining failures without a traceback."""
    try:
        settings = settings_from_env()
    except (InvalidDatabaseURL, InvalidSetting) as error:
        print(f"quotebot log: {error}", file=sys.stderr)
        return 2
    try:
        asyncio.run(_print_log(args, settings.database_url, sys.stdout))
    except SchemaTooNew as error:
        print(f"quotebot log: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (SQLAlchemyError, OSError, TimeoutError) as error:
        where = describe(settings.database_url)
        print(f"quotebot log: cannot read the query log at {where}: {describe_error(error)}", file=sys.stderr)
        return 1
    return 0
