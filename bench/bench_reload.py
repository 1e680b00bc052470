"""How long the running bot takes to pick up a change in its corpus folder, at 10,000 and 100,000 passages.

For each size a synthetic folder is written (text files of 10 paragraphs of about 60 words, drawn from a
20,000-word vocabulary with Zipf-like frequencies, fixed seed), an engine is built over it, and the same
CorpusReloader the bot uses (bot/ops/reload.py) reloads it after:

  baseline  a full start: every file read and split, the index built (what a restart would cost)
  no change a reload with nothing changed (the folder scan alone)
  add 1     one new file: that file read and split, the BM25 statistics rebuilt over every passage
  change 1  one file's text changed
  delete 1  one file removed
  load      a second worker on the same folder after the first saved its build (it maps, never builds)

Each reload is timed from the request to the new engine being in place, so it includes the scan of the
folder (sizes and mtimes, content hashes only for the files that changed). Figures are seconds, one run
each, on whatever else the machine is doing: compare rows of the same run only.

Run:  python bench/bench_reload.py [--sizes 10000,100000]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.ops.engine_build import build_engine
from bot.ops.reload import CorpusReloader
from retrieval.search_index import index_directory

PARAGRAPHS_PER_FILE = 10
WORDS_PER_PARAGRAPH = 60
VOCABULARY = 20_000


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = ["".join(rng.choice(letters) for _ in range(rng.randint(3, 10))) for _ in range(VOCABULARY)]
    weights = [1 / (rank + 1) ** 1.1 for rank in range(VOCABULARY)]
    return words, weights


def article(rng: random.Random, words: list[str], weights: list[float], number: int) -> str:
    paragraphs = []
    for _ in range(PARAGRAPHS_PER_FILE):
        chosen = rng.choices(words, weights, k=WORDS_PER_PARAGRAPH)
        paragraphs.append(" ".join(chosen).capitalize() + ".")
    return f"title: Article {number}\ndate: 2023-01-{number % 28 + 1:02d}\n\n" + "\n\n".join(paragraphs) + "\n"


def timed(action: object) -> float:
    started = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - started


def measure(passages: int) -> dict[str, float]:
    rng = random.Random(14)
    words, weights = vocabulary(rng)
    files = passages // PARAGRAPHS_PER_FILE
    folder = Path(tempfile.mkdtemp(prefix="quotebot-reload-"))
    try:
        for number in range(files):
            (folder / f"{number:06d}.txt").write_text(article(rng, words, weights, number))
        figures: dict[str, float] = {}
        started = time.perf_counter()
        engine = build_engine(folder)
        figures["baseline"] = time.perf_counter() - started
        reloader = CorpusReloader(engine, build_engine)
        figures["no change"] = timed(reloader.reload_now)
        (folder / "new.txt").write_text(article(rng, words, weights, files))
        figures["add 1"] = timed(reloader.reload_now)
        (folder / "000000.txt").write_text(article(rng, words, weights, files + 1))
        figures["change 1"] = timed(reloader.reload_now)
        (folder / "new.txt").unlink()
        figures["delete 1"] = timed(reloader.reload_now)
        assert len(reloader.engine.corpus.passages) == passages
        index_directory(folder).mkdir()
        build_engine(folder, reloader.engine.corpus)
        figures["load"] = timed(lambda: build_engine(folder))
        return figures
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    # These figures are of BM25 and the second stage at scale; embedding 100k passages would take hours.
    os.environ["QUOTEBOT_SEMANTIC"] = "off"
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="passage counts, comma-separated")
    args = parser.parse_args()
    print(f"# {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    rows = ["baseline", "no change", "add 1", "change 1", "delete 1", "load"]
    results = {int(size): measure(int(size)) for size in args.sizes.split(",")}
    print("| passages | " + " | ".join(rows) + " |")
    print("|---:|" + "---:|" * len(rows))
    for size, figures in results.items():
        print(f"| {size:,} | " + " | ".join(f"{figures[row]:.2f} s" for row in rows) + " |")


if __name__ == "__main__":
    main()
