"""The one place every part of revsync gets its PostgreSQL connection from.

`DATABASE_URL` (or libpq's `PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`) set: that
server, nothing is started. Unset: the embedded server under `.revsync/pg/`.
dlt, dbt (`profiles.yml` via `env_var`), dagster-postgres and the web service all take their
connection from `database_url()` or from the environment `connection_env()` builds.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from revsync.errors import RevsyncError
from revsync.settings import get_settings


def uses_embedded() -> bool:
    return not get_settings().external_database_url


def database_url(start: bool = False) -> str:
    """The DSN to use. With the embedded server, `start=True` starts it when needed."""
    configured = get_settings().external_database_url
    if configured:
        return configured
    from revsync.db.embedded import EmbeddedPostgres

    server = EmbeddedPostgres()
    if start:
        return server.start().url()
    if server.running_pid() is None:
        raise RevsyncError("The embedded PostgreSQL is not running. Start it with `revsync db start`.")
    return server.info().url()


def redact(url: str) -> str:
    """Where a DSN points, without its password, for messages and logs.

    Handles both URL and `key=value` forms, and a password given as a query parameter.
    """
    from psycopg2.extensions import parse_dsn

    try:
        params = parse_dsn(url)
    except Exception:  # noqa: BLE001 - unparseable: show nothing of it rather than risk a secret
        return "<unparseable DSN>"
    shown = " ".join(f"{key}={value}" for key, value in params.items() if key != "password")
    return shown + (" password=***" if "password" in params else "")


def check_connection(url: str, timeout_s: int = 5) -> None:
    """Connect once; on failure raise a RevsyncError that says which server and what to do."""
    import psycopg2

    try:
        psycopg2.connect(url, connect_timeout=timeout_s).close()
    except psycopg2.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        external = get_settings().external_database_url is not None
        source = "DATABASE_URL" if external else "the embedded PostgreSQL"
        hint = (
            "Check that the server runs and the URL is right, or unset DATABASE_URL (and PGHOST) to use "
            "the embedded PostgreSQL."
            if external
            else "Run `revsync db status`."
        )
        raise RevsyncError(f"Cannot connect to {source} at {redact(url)}: {reason}. {hint}") from None
    except psycopg2.ProgrammingError as exc:  # malformed DSN
        raise RevsyncError(f"DATABASE_URL is not a valid PostgreSQL URL ({redact(url)}): {exc}") from None


def connection_env(url: str) -> dict[str, str]:
    """Environment variables through which dbt, dlt and Dagster reach the same database."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres", "postgresql+psycopg2"):
        raise RevsyncError(f"DATABASE_URL must start with postgresql:// (got {parts.scheme}://).")
    plain = url.replace(f"{parts.scheme}://", "postgresql://", 1)
    return {
        "REVSYNC_DATABASE_URL": plain,
        # dbt's profiles.yml reads these through env_var().
        "REVSYNC_PG_HOST": parts.hostname or "127.0.0.1",
        "REVSYNC_PG_PORT": str(parts.port or 5432),
        "REVSYNC_PG_USER": unquote(parts.username or ""),
        "REVSYNC_PG_PASSWORD": unquote(parts.password or ""),
        "REVSYNC_PG_DBNAME": (parts.path or "/").lstrip("/") or "postgres",
        # dagster.yaml reads this one; its tables live in the `dagster` schema.
        "REVSYNC_DAGSTER_PG_URL": _with_search_path(plain, "dagster"),
    }


def _with_search_path(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"
