"""The local chat console: the bot's conversation in a terminal, for trying it without Telegram."""

from __future__ import annotations

from typing import TextIO

from bot.answers.ask import ask
from bot.answers.formatting import EXAMPLE_QUESTION, document_line, reply_text
from bot.cli.exit_codes import EXIT_OK
from retrieval.engine import AnswerEngine

_QUIT = {"/quit", "/exit", "/q"}
HELP = (
    "Type a question about the sources and press Enter; the answer is a verbatim quote with its date and "
    f"source. For example: {EXAMPLE_QUESTION}\n/sources lists the documents, /quit (or Ctrl-D) leaves."
)


def run_console(engine: AnswerEngine, stdin: TextIO, stdout: TextIO, interactive: bool) -> int:
    """Answer line by line until /quit or end of input; prompts only when a person is typing."""
    if interactive:
        print(f"quotebot — {len(engine.corpus.documents)} source(s) loaded. {HELP}", file=stdout)
    while True:
        if interactive:
            print("\nyou> ", end="", file=stdout, flush=True)
        try:
            line = stdin.readline()
        except KeyboardInterrupt:
            line = ""
        if not line or line.strip().lower() in _QUIT:
            if interactive:
                print("bye", file=stdout)
            return EXIT_OK
        command = line.strip().lower()
        if command == "/help":
            print(HELP, file=stdout)
        elif command == "/sources":
            print("\n".join(document_line(document) for document in engine.corpus.documents), file=stdout)
        elif command or interactive:
            print(reply_text(ask(engine, line)), file=stdout, flush=True)
