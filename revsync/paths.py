"""Where revsync keeps its local state (`.revsync/`)."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def revsync_home() -> Path:
    """The state folder: `REVSYNC_HOME`, else `.revsync/` in the project checkout, else in the cwd.

    The checkout is used when revsync runs from one (an editable install), so every command and
    every process started from any sub-folder shares one database.
    """
    from revsync.settings import get_settings

    configured = get_settings().home
    if configured:
        return Path(configured).resolve()
    if (PROJECT_ROOT / "pyproject.toml").is_file():
        return PROJECT_ROOT / ".revsync"
    return Path.cwd() / ".revsync"


def ensure_home() -> Path:
    """The state folder, created on first use with mode 0711: others may enter (the embedded
    server's user must reach pg/) but not list it. An existing folder's mode is left alone."""
    home = revsync_home()
    if not home.exists():
        home.mkdir(parents=True)
        home.chmod(0o711)
    return home


def pipelines_dir() -> Path:
    """dlt's working folders (one per account pipeline): load packages hold raw provider data, so
    only this user may read them."""
    path = ensure_home() / "dlt"
    path.mkdir(mode=0o700, exist_ok=True)
    return path
