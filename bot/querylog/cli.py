"""`quotebot log ...`: read the query log from a terminal, reading DATABASE_URL like the bot.

bot/cli.py mounts this with `add_log_subcommand` and dispatches to `run_log_command`. Building the parser
needs nothing heavy: SQLAlchemy and the drivers load only when a log command runs (bot/querylog/log_reader.py).
"""

import argparse
from datetime import datetime

from bot.querylog.record import utc_now
from bot.querylog.since import parse_since

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
    """Add `log recent|unanswered|flagged|stats|export|review` to the quotebot command line."""
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
    stats.add_argument("--format", choices=("table", "csv", "jsonl"), default="table")
    review = commands.add_parser(
        "review",
        help="a moderator's verdict on one record: ok clears a 👎, flag puts it in the flagged list",
        description="Record a moderator's verdict (and note) on one logged question, like /review in Telegram.",
    )
    review.add_argument("record_id", metavar="ID", help="the record id, as `quotebot log recent` shows it")
    review.add_argument("verdict", choices=("ok", "flag"))
    review.add_argument("--note", help="why, for the other moderators")


def run_log_command(args: argparse.Namespace) -> int:
    """Run a parsed `log` command; returns the exit status, explaining failures without a traceback."""
    from bot.querylog.log_reader import run_log

    return run_log(args)
