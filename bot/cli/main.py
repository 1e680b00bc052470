"""The `quotebot` command: the chat console, one-shot and batch questions, and corpus inspection."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from importlib.metadata import version

from bot.answers.answer_json import reply_record
from bot.answers.ask import Reply, ask, ask_batch
from bot.answers.conversation import Conversation
from bot.answers.example import ExampleChoice
from bot.answers.formatting import plain_text, reply_lines
from bot.answers.questions import MAX_QUESTION_CHARS
from bot.answers.wording import Example, english
from bot.cli.console import run_console
from bot.cli.eval_command import add_eval_subcommand
from bot.cli.exit_codes import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from bot.cli.sources_command import add_sources_subcommands
from bot.cli.terminal import Terminal
from bot.ops.data_dir import data_directory
from bot.ops.engine_build import build_engine
from bot.ops.logs import configure_logging
from bot.ops.reload import CorpusReloader, baseline_scan
from bot.ops.settings import Settings, SettingsError, corpus_path, example_question
from bot.querylog.cli import add_log_subcommand, run_log_command
from corpus import Corpus, CorpusError, load_corpus
from corpus.manifest import CorpusManifest
from retrieval.engine import AnswerEngine
from retrieval.saved_corpus import passage_texts, saved_sentences
from retrieval.search_index import build_and_save, index_directory
from retrieval.semantic_stage import SemanticError, stage_for

MAX_TOP = 50
HISTORY_FILE = "console_history"
ASK_AT_A_TERMINAL = (
    'quotebot ask: type one question per line, then Ctrl-D (or give them as arguments: quotebot ask "..."). '
    "For a conversation, use quotebot chat."
)


class CommandError(Exception):
    """A failure to report as one line on stderr with an exit code, never a traceback."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        # The subcommand's own usage, not the top-level one: `quotebot ask --bogus` shows ask's options.
        args.parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if getattr(args, "log_command", None):
        return run_log_command(args)
    try:
        exit_code: int = args.handler(args)
        return exit_code
    except CommandError as error:
        print(f"quotebot: error: {error}", file=sys.stderr)
        return error.exit_code
    except BrokenPipeError:
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quotebot",
        description="Answer questions about source articles with verbatim quotations.",
    )
    parser.set_defaults(handler=_default, corpus=None, webhook=False, parser=parser)
    parser.add_argument("--version", action="version", version=f"%(prog)s {version('quotebot')}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    chat = commands.add_parser("chat", help="talk to the bot in this terminal")
    _add_corpus_option(chat)
    chat.set_defaults(handler=_chat)

    ask_parser = commands.add_parser("ask", help="answer questions given as arguments or one per line on stdin")
    _add_corpus_option(ask_parser)
    ask_parser.add_argument("--json", action="store_true", help="one JSON object per question, one per line")
    ask_parser.add_argument("--top", type=_top_value, default=3, metavar="K", help="results per question (default 3)")
    ask_parser.add_argument(
        "--dialogue",
        action="store_true",
        help="answer each question with the ones before it, as the chat does; on stdin a blank line starts a new "
        "dialogue",
    )
    ask_parser.add_argument("questions", nargs="*", metavar="QUESTION")
    ask_parser.set_defaults(handler=_ask)

    run = commands.add_parser("run", help="run the Telegram bot; needs TELEGRAM_BOT_TOKEN")
    _add_corpus_option(run)
    run.add_argument(
        "--webhook", action="store_true", help="receive updates by webhook (also when TELEGRAM_WEBHOOK_URL is set)"
    )
    run.set_defaults(handler=_run)

    add_log_subcommand(commands)

    web = commands.add_parser("web", help="serve the moderators' web inbox (same DATABASE_URL as the bot)")
    _add_corpus_option(web)
    web.set_defaults(handler=_web)

    health = commands.add_parser("healthcheck", help="exit 0 if the running bot's /healthz says healthy (for Docker)")
    health.set_defaults(handler=_healthcheck)

    index = commands.add_parser("index", help="build the search index and save it next to the corpus")
    _add_corpus_option(index)
    index.set_defaults(handler=_index)

    add_sources_subcommands(commands)
    add_eval_subcommand(commands)
    for command in _leaf_parsers(commands):
        command.set_defaults(parser=command)
    return parser


def _leaf_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> Iterator[argparse.ArgumentParser]:
    """Every subcommand's parser, `log recent` and the like included, so each reports its own usage."""
    for command in dict.fromkeys(commands.choices.values()):
        nested = [action for action in command._actions if isinstance(action, argparse._SubParsersAction)]
        if not nested:
            yield command
        for group in nested:
            yield from _leaf_parsers(group)


def _add_corpus_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", metavar="PATH", help="folder or file of source articles (default: seeds/)")


def _top_value(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 1 <= value <= MAX_TOP:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_TOP}")
    return value


def _default(args: argparse.Namespace) -> int:
    return _run(args) if os.environ.get("TELEGRAM_BOT_TOKEN", "").strip() else _chat(args)


def _run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: `quotebot ask` and `chat` start faster without Telegram and SQLAlchemy.
    from telegram.error import InvalidToken

    from bot.ops.runtime import held_secrets, run_bot
    from bot.querylog.database_url import InvalidDatabaseURL
    from bot.querylog.migrations import SchemaTooNew
    from bot.querylog.settings import InvalidSetting, settings_from_env
    from bot.telegram.app import PollingConflict, Webhook

    try:
        settings = Settings.from_env(corpus=args.corpus)
        settings.require_token()
        webhook = (
            Webhook(*settings.require_webhook(), port=settings.port) if args.webhook or settings.webhook_url else None
        )
        log_settings = settings_from_env()
    except (SettingsError, InvalidSetting, InvalidDatabaseURL) as error:
        raise CommandError(str(error), EXIT_USAGE) from None
    try:
        secrets = held_secrets(settings, log_settings)
    except (OSError, ValueError) as error:
        raise CommandError(f"cannot read the query log's secret: {error}") from None
    configure_logging(secrets=secrets, log_format=settings.log_format)
    engine, baseline = _followed_engine(args.corpus)
    try:
        run_bot(settings, log_settings, engine, webhook, baseline)
    except InvalidToken:
        raise CommandError("Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather") from None
    except (PollingConflict, SchemaTooNew, OSError) as error:
        raise CommandError(str(error)) from None
    return EXIT_OK


def _web(args: argparse.Namespace) -> int:
    from bot.querylog.database_url import InvalidDatabaseURL
    from bot.querylog.settings import InvalidSetting, settings_from_env
    from bot.web.server import WebStartError, run_web

    try:
        settings = Settings.from_env(corpus=args.corpus)
        log_settings = settings_from_env()
    except (SettingsError, InvalidSetting, InvalidDatabaseURL) as error:
        raise CommandError(str(error), EXIT_USAGE) from None
    secrets = [settings.token, log_settings.secret, log_settings.database_url.password]
    configure_logging(secrets=[s for s in secrets if s], log_format=settings.log_format)
    try:
        run_web(settings, log_settings, *_followed_engine(args.corpus))
    except (WebStartError, OSError) as error:
        raise CommandError(str(error)) from None
    return EXIT_OK


def _healthcheck(args: argparse.Namespace) -> int:
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        raise CommandError(str(error), EXIT_USAGE) from None
    port = settings.metrics_port
    if not port:
        raise CommandError("QUOTEBOT_METRICS_PORT is 0, so there is no health endpoint to ask", EXIT_USAGE)
    try:
        with urllib.request.urlopen(f"{settings.metrics_url}/healthz", timeout=5) as response:
            print(response.read().decode())
    except urllib.error.HTTPError as error:
        raise CommandError(f"unhealthy: {error.read().decode()}") from None
    except OSError as error:
        raise CommandError(f"no health endpoint on port {port}: {error}") from None
    return EXIT_OK


def _chat(args: argparse.Namespace) -> int:
    interactive = sys.stdin.isatty()
    examples = _examples()
    engine, baseline = _followed_engine(args.corpus)

    def swapped(new: AnswerEngine) -> None:
        examples.over(new)
        _say_reloaded(new)

    reloader = CorpusReloader(engine, build_engine, on_swap=swapped, baseline=baseline)
    reloader.start(watch=interactive)
    history = data_directory() / HISTORY_FILE
    terminal = Terminal.for_stream(sys.stdout)
    try:
        return run_console(lambda: reloader.engine, sys.stdin, terminal, interactive, history, examples)
    finally:
        reloader.stop()


def _examples() -> ExampleChoice:
    """The example question the console and `quotebot ask` offer: QUOTEBOT_EXAMPLE_QUESTION, else the seed's."""
    try:
        return ExampleChoice(example_question())
    except SettingsError as error:
        raise CommandError(str(error), EXIT_USAGE) from None


def _say_reloaded(engine: AnswerEngine) -> None:
    corpus = engine.corpus
    print(
        f"\n(sources changed: now {len(corpus.documents)} documents, {len(corpus.passages)} passages)", file=sys.stderr
    )


def _ask(args: argparse.Namespace) -> int:
    if any(not question.strip() for question in args.questions):
        raise CommandError("a question is empty; give words to search for", EXIT_USAGE)
    if not args.questions and sys.stdin.isatty():
        print(ASK_AT_A_TERMINAL, file=sys.stderr)
    examples = _examples()
    engine = _engine(args.corpus)
    example = None if args.json else examples.over(engine)
    for number, reply in enumerate(_replies(engine, args), start=1):
        if reply.question.truncated:
            print(
                f"quotebot: note: question {number} is longer than {MAX_QUESTION_CHARS} characters; "
                f"only its first {len(reply.question.text)} were used",
                file=sys.stderr,
            )
        record = reply_record(reply, dialogue=args.dialogue)
        print(json.dumps(record, ensure_ascii=False) if args.json else _human(reply, engine, example), flush=args.json)
    return EXIT_OK


def _replies(engine: AnswerEngine, args: argparse.Namespace) -> Iterator[Reply]:
    """A typed question is answered as soon as it is typed; a batch (arguments or a pipe) on every core.

    With --dialogue, questions are asked in order, each dialogue in a conversation of its own.
    """
    if args.dialogue:
        return _dialogue_replies(engine, args)
    if not args.questions and sys.stdin.isatty():
        return (ask(engine, raw, top=args.top) for raw in _stdin_questions())
    return ask_batch(engine, args.questions or list(_stdin_questions()), top=args.top)


def _dialogue_replies(engine: AnswerEngine, args: argparse.Namespace) -> Iterator[Reply]:
    for dialogue in [args.questions] if args.questions else _stdin_dialogues():
        conversation = Conversation()
        for raw in dialogue:
            yield conversation.ask(engine, raw, top=args.top)


def _stdin_dialogues() -> Iterator[list[str]]:
    """Runs of non-blank lines: a blank line ends a dialogue."""
    dialogue: list[str] = []
    for line in sys.stdin:
        if line.strip():
            dialogue.append(line)
        elif dialogue:
            yield dialogue
            dialogue = []
    if dialogue:
        yield dialogue


def _stdin_questions() -> Iterator[str]:
    for line in sys.stdin:
        if line.strip():
            yield line


def _human(reply: Reply, engine: AnswerEngine, example: Example | None) -> str:
    """The reply as the console words it, then the other candidates with their scores, for developers."""
    words = english()
    shown = reply_lines(reply, engine.corpus.documents, words, score=True, example=example)
    lines = [f"Q: {reply.question.text}", plain_text(shown)]
    results = reply.answer.results if reply.answer else []
    others = results[1:] if reply.answer and reply.answer.answered else results
    if others:
        lines.append("Also:" if reply.answer and reply.answer.answered else "Closest passages:")
        lines.extend(f"  {r.passage.passage_id}  score {r.score:.2f}  {_preview(r.quote)}" for r in others)
    return "\n".join(lines) + "\n"


def _preview(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _followed_engine(override: str | None) -> tuple[AnswerEngine, CorpusManifest]:
    """The engine, and the folder as scanned just before it was built, for a reloader that follows the folder:
    a source added while the engine is built (a minute at 100,000 passages) is read by the first reload."""
    baseline = baseline_scan(corpus_path(override))
    return _engine(override), baseline


def _engine(override: str | None) -> AnswerEngine:
    """The engine over the corpus, from its saved index when the corpus has not changed since it was saved."""
    try:
        engine = build_engine(corpus_path(override))
    except (CorpusError, SemanticError) as error:
        raise CommandError(str(error)) from None
    _print_warnings(engine.corpus)
    return engine


def _index(args: argparse.Namespace) -> int:
    root = corpus_path(args.corpus)
    started = time.perf_counter()
    try:
        corpus, index, build = build_and_save(root)
        semantic = stage_for(
            passage_texts(corpus.passages),
            build.parent,
            keep_only=True,
            wait=True,
            sentences=saved_sentences(corpus.passages),
        )
        # The folder keeps itself out of git, whatever repository the corpus lives in.
        (build.parent / ".gitignore").write_text("# Made by quotebot index; rebuilt from the corpus.\n*\n")
    except (CorpusError, SemanticError) as error:
        raise CommandError(str(error)) from None
    except OSError as error:
        raise CommandError(f"cannot save the index in {index_directory(root)}: {error.strerror or error}") from None
    _print_warnings(corpus)
    size = sum(file.stat().st_size for file in build.iterdir())
    vectors = "" if semantic is None else f" and their vectors for the semantic stage ({semantic.embedder.name})"
    print(
        f"indexed {len(corpus.passages)} passages ({len(index.word_counts)} distinct words){vectors} in "
        f"{time.perf_counter() - started:.1f} s; saved {size / 1e6:.1f} MB to {build.parent}"
    )
    return EXIT_OK


def _load(override: str | None) -> Corpus:
    try:
        corpus = load_corpus(corpus_path(override))
    except CorpusError as error:
        raise CommandError(str(error)) from None
    _print_warnings(corpus)
    return corpus


def _print_warnings(corpus: Corpus) -> None:
    for warning in corpus.warnings:
        print(f"quotebot: warning: {warning}", file=sys.stderr)
