"""Where revsync keeps its local state (`.revsync/`)."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def revsync_home() -> Path:
    """The state folder: `REVSYNC_HOME`, else `.revsync/` in the project checkout, else in the cwd.

    The checkout is used when revsync runs from one (an editable install), so every command and
    every process started from any sub-folder shares one database.
    """
    configured = os.environ.get("REVSYNC_HOME")
    if configured:
        return Path(configured).resolve()
    if (PROJECT_ROOT / "pyproject.toml").is_file():
        return PROJECT_ROOT / ".revsync"
    return Path.cwd() / ".revsync"


def ensure_home() -> Path:
    home = revsync_home()
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o711)  # others may enter (the PostgreSQL user must reach pg/) but not list
    return home
