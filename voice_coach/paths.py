"""The user's voice-coach folders: data (history, Vosk models), config (routines), cache (speech).

`VOICE_COACH_DATA_DIR` and `VOICE_COACH_CONFIG_DIR` override the platform's folders, with `~`
expanded, so every part that keeps data reads the same folder; the cache follows
`XDG_CACHE_HOME` on Linux, as platformdirs reads it.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "voice-coach"
DATA_DIR_ENV = "VOICE_COACH_DATA_DIR"
CONFIG_DIR_ENV = "VOICE_COACH_CONFIG_DIR"


def _overridden(env_name: str) -> Path | None:
    value = os.environ.get(env_name)
    return Path(value).expanduser() if value else None


def data_dir() -> Path:
    """The data folder: the history database and installed models."""
    return _overridden(DATA_DIR_ENV) or platformdirs.user_data_path(APP_NAME)


def config_dir() -> Path:
    """The config folder: the user's routine files."""
    return _overridden(CONFIG_DIR_ENV) or platformdirs.user_config_path(APP_NAME)


def cache_dir() -> Path:
    """The cache folder: rendered speech, anything that can be made again."""
    return platformdirs.user_cache_path(APP_NAME, appauthor=False)
