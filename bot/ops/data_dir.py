"""Where quotebot keeps its own files: one data folder per user, unless QUOTEBOT_DATA_DIR names another."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

APP_NAME = "quotebot"


def data_directory(environ: Mapping[str, str] = os.environ) -> Path:
    """QUOTEBOT_DATA_DIR, else the XDG data folder (~/.local/share/quotebot, or under XDG_DATA_HOME).

    The same folder from wherever a command runs, so `quotebot log` finds the log the bot writes.
    """
    chosen = environ.get("QUOTEBOT_DATA_DIR", "").strip()
    if chosen:
        return Path(chosen).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
