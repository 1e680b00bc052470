"""README shows what the commands really print: its examples are compared with fresh runs."""

from __future__ import annotations

import re

import pytest

from bot.ops.settings import Settings
from tests.conftest import SEEDS
from tests.readme_examples import README, examples, run

EXAMPLES = examples(README.read_text(encoding="utf-8"))


def test_readme_has_generated_examples() -> None:
    commands = [example.command for example in EXAMPLES]
    assert any(" ask " in command for command in commands) and any("--json" in command for command in commands)


@pytest.mark.parametrize("example", EXAMPLES, ids=[example.command for example in EXAMPLES])
def test_readme_example_is_what_the_command_prints(example) -> None:
    assert example.shown == run(example.command), (
        "README is stale; regenerate it with: .venv/bin/python -m tests.readme_examples --write"
    )


def test_the_docker_sections_token_placeholder_has_the_shape_quotebot_accepts() -> None:
    docker = README.read_text(encoding="utf-8").split("## Docker", 1)[1]
    placeholder = re.search(r"TELEGRAM_BOT_TOKEN=(\S+)", docker)
    assert placeholder is not None
    assert Settings(corpus=SEEDS, token=placeholder[1]).require_token() == placeholder[1]
