"""Alembic environment for the `app` schema. The URL comes from revsync.db, never from alembic.ini."""

from alembic import context
from sqlalchemy import create_engine, pool, text

config = context.config


def run_migrations_online() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as connection:
        connection.execute(text("create schema if not exists app"))
        connection.commit()
        context.configure(connection=connection, version_table_schema="app", transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
