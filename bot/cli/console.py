"""The local chat console: the bot's conversation in a terminal, for trying it without Telegram.

Questions asked here are not written to the query log (README says so). At a terminal, lines are read
with readline, so the arrow keys, Ctrl-L and history work; the history is kept in the data folder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from bot.answers.conversation import Conversation
from bot.answers.example import ExampleChoice
from bot.answers.formatting import Line, answer_lines, plain_line, reply_lines, sources_lines
from bot.answers.wording import (
    CONSOLE_HELP,
    CONSOLE_NEW,
    CONSOLE_WELCOME,
    MORE_AFTER_A_REFUSAL,
    MORE_NEEDS_A_QUESTION,
    NO_OTHER_PASSAGE,
    UNKNOWN_COMMAND,
    Example,
    english,
)
from bot.cli.exit_codes import EXIT_OK
from bot.cli.line_editing import LineEditor
from bot.cli.terminal import Terminal
from retrieval.engine import AnswerEngine

_QUIT = {"/quit", "/exit", "/q"}
PROMPT = "you> "


def run_console(
    engines: Callable[[], AnswerEngine],
    stdin: TextIO,
    terminal: Terminal,
    interactive: bool,
    history: Path | None = None,
    examples: ExampleChoice | None = None,
) -> int:
    """Answer line by line until /quit or end of input; prompts only when a person is typing.

    `engines()` is the engine to answer with now: it is replaced when the corpus folder changes.
    `examples` chooses the example question offered over it (by default the seed's, when it answers it).
    """
    words = english()
    examples = examples or ExampleChoice()
    editor = LineEditor(history) if interactive else None
    if editor is not None:
        engine = engines()
        welcome = plain_line(words.count(CONSOLE_WELCOME, len(engine.corpus.documents)))
        terminal.write([welcome, *_help(examples.over(engine))])
    conversation = Conversation()
    try:
        for line in _typed(editor) if editor is not None else iter(stdin.readline, ""):
            if line.strip().lower() in _QUIT:
                if editor is not None:
                    editor.forget_last()
                break
            if line.strip() or interactive:
                engine = engines()
                terminal.write(_respond(engine, line, conversation, examples.over(engine)))
    finally:
        if editor is not None:
            editor.save()
    if interactive:
        terminal.write([plain_line("bye")])
    return EXIT_OK


def _typed(editor: LineEditor) -> Iterator[str]:
    while (line := editor.read(f"\n{PROMPT}")) is not None:
        yield line


def _help(example: Example | None) -> list[Line]:
    return [plain_line(text) for text in english().offer(CONSOLE_HELP, example).splitlines()]


def _respond(engine: AnswerEngine, line: str, conversation: Conversation, example: Example | None) -> list[Line]:
    words = english()
    command = line.strip().lower()
    if command == "/help":
        return _help(example)
    if command == "/sources":
        return sources_lines(engine.corpus.documents, words, limit=len(engine.corpus.documents))
    if command == "/more":
        return _more(engine, conversation)
    if command == "/new":
        conversation.reset()
        return [plain_line(CONSOLE_NEW)]
    if command.startswith("/"):
        return [plain_line(words.text(UNKNOWN_COMMAND))]
    if conversation.expired():
        conversation.reset()
    reply = conversation.ask(engine, line, top=2)
    return reply_lines(reply, engine.corpus.documents, words, example=example)


def _more(engine: AnswerEngine, conversation: Conversation) -> list[Line]:
    """The next passage for the last question not yet shown in this conversation, as the bot's More button."""
    words = english()
    turn = conversation.turn(None)
    if turn is None:
        return [plain_line(words.text(MORE_NEEDS_A_QUESTION))]
    if conversation.previous.quoted is None:
        # The bot shows no More button under a refusal; the console says why there is nothing to show.
        return [plain_line(words.text(MORE_AFTER_A_REFUSAL))]
    results = conversation.more(engine, turn, top=1).results
    if not results:
        return [plain_line(words.text(NO_OTHER_PASSAGE))]
    conversation.showed(results[0].passage.passage_id)
    return answer_lines(results[0], words)
