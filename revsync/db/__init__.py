"""The one place every part of revsync gets its PostgreSQL connection from.

`DATABASE_URL` set: that server, nothing is started. Unset: the embedded server under `.revsync/pg/`.
dlt, dbt (`profiles.yml` via `env_var`), dagster-postgres and the web service all take their
connection from `database_url()` or from the environment `connection_env()` builds.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from revsync.errors import RevsyncError
from revsync.settings import get_settings


def uses_embedded() -> bool:
    return not get_settings().database_url


def database_url(start: bool = False) -> str:
    """The DSN to use. With the embedded server, `start=True` starts it when needed."""
    configured = get_settings().database_url
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
    """The DSN with its password replaced, for messages and logs."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url


def check_connection(url: str, timeout_s: int = 5) -> None:
    """Connect once; on failure raise a RevsyncError that says which server and what to do."""
    import psycopg2

    try:
        psycopg2.connect(url, connect_timeout=timeout_s).close()
    except psycopg2.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        source = "DATABASE_URL" if get_settings().database_url else "the embedded PostgreSQL"
        hint = (
            "Check that the server runs and the URL is right, or unset DATABASE_URL to use the "
            "embedded PostgreSQL."
            if get_settings().database_url
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
