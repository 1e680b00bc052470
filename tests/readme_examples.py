"""README's example outputs, made by running the commands they show, so they cannot drift from the code.

Every ```console block right after a `<!-- generated -->` line is one shell command (`$ ...`, from the
repository root) followed by what it prints. tests/test_readme.py fails when any differs; after a change
to what quotebot prints, rewrite them all with:

    .venv/bin/python -m tests.readme_examples --write
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
README = REPOSITORY / "README.md"
MARKER = "<!-- generated -->"
_BLOCK = re.compile(r"^<!-- generated -->\n```console\n\$ (?P<command>[^\n]*)\n(?P<output>.*?)^```$", re.M | re.S)
_UNSET = ("TELEGRAM_", "QUOTEBOT_", "DATABASE_", "NO_COLOR", "COLUMNS")


@dataclass(frozen=True, slots=True)
class Example:
    """One generated block: where it sits in README, the command, and the output README shows for it."""

    start: int
    end: int
    command: str
    shown: str


def examples(text: str) -> list[Example]:
    return [Example(m.start("output"), m.end("output"), m["command"], m["output"]) for m in _BLOCK.finditer(text)]


def run(command: str) -> str:
    """The command's output as a reader at the repository root sees it, with this interpreter's venv."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(_UNSET)}
    environment["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environment.get('PATH', '')}"
    runnable = command.replace(".venv/bin/", "")
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", runnable],
        cwd=REPOSITORY,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"README example {command!r} failed ({done.returncode}): {done.stderr}")
    return done.stdout


def regenerated(text: str) -> str:
    pieces, position = [], 0
    for example in examples(text):
        pieces += [text[position : example.start], run(example.command)]
        position = example.end
    return "".join(pieces) + text[position:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.readme_examples", description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite README.md's generated examples in place")
    arguments = parser.parse_args(argv)
    text = README.read_text(encoding="utf-8")
    fresh = regenerated(text)
    if arguments.write:
        README.write_text(fresh, encoding="utf-8")
        print(f"wrote {len(examples(text))} examples to {README}")
        return 0
    stale = [e.command for e, f in zip(examples(text), examples(fresh), strict=True) if e.shown != f.shown]
    print("\n".join(f"stale: {command}" for command in stale) or "every README example is current")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
