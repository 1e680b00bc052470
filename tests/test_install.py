"""Both ways of installing quotebot answer from any folder: the editable install the tests run in, and a wheel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.cli_runner import run_quotebot
from tests.conftest import CARD_ANSWER, CARD_QUESTION, REPOSITORY

PACKAGED = ("bot", "corpus", "retrieval", "seeds", "pyproject.toml", "setup.py", "README.md")
ENTRY_POINT = "import sys, bot; from bot.cli.main import main; print(bot.__file__, file=sys.stderr); sys.exit(main())"
RUSSIAN = "from bot.answers.wording import SOURCE, wording_for; print(wording_for('ru').text(SOURCE, source='x'))"


def test_editable_install_answers_from_another_folder(tmp_path: Path) -> None:
    run = run_quotebot("ask", "--json", CARD_QUESTION, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert CARD_ANSWER in json.loads(run.stdout)["results"][0]["quote"]


def test_wheel_install_ships_the_seeds_and_the_compiled_catalogues(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for name in PACKAGED:
        if (REPOSITORY / name).is_dir():
            shutil.copytree(
                REPOSITORY / name, source / name, ignore=shutil.ignore_patterns("__pycache__", ".*", "*.mo")
            )
        else:
            shutil.copy(REPOSITORY / name, source / name)
    site = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(tmp_path / "wheel"), str(source)], check=True, timeout=300)
    [wheel] = (tmp_path / "wheel").glob("quotebot-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True, timeout=300)
    shutil.rmtree(source)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("QUOTEBOT_", "TELEGRAM_"))}
    run = subprocess.run(
        [sys.executable, "-c", ENTRY_POINT, "ask", "--json", CARD_QUESTION],
        env={**environment, "PYTHONPATH": str(site)},
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr.splitlines()[0] == str(site / "bot" / "__init__.py")
    assert CARD_ANSWER in json.loads(run.stdout)["results"][0]["quote"]
    russian = subprocess.run(
        [sys.executable, "-c", RUSSIAN],
        env={**environment, "PYTHONPATH": str(site)},
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert russian.stdout == "Источник: x\n", russian.stderr
