"""Apply the `app` schema migrations (idempotent) and prepare the other schemas' prerequisites."""

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str) -> str:
    """Upgrade the app schema to the newest revision and return it."""
    import psycopg2

    command.upgrade(alembic_config(url), "head")
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            # dagster-postgres creates its own tables; it only needs the schema to exist.
            cur.execute("create schema if not exists dagster")
            cur.execute("select version_num from app.alembic_version")
            return cur.fetchone()[0]
    finally:
        conn.close()
