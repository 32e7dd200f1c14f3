from revsync.db import connection_env, redact


def test_connection_env_splits_the_url_for_dbt_and_points_dagster_at_its_schema():
    env = connection_env("postgresql://ana:p%40ss@db.example:6543/sales")
    assert env["REVSYNC_PG_HOST"] == "db.example"
    assert env["REVSYNC_PG_PORT"] == "6543"
    assert env["REVSYNC_PG_USER"] == "ana"
    assert env["REVSYNC_PG_PASSWORD"] == "p@ss"
    assert env["REVSYNC_PG_DBNAME"] == "sales"
    assert env["REVSYNC_DAGSTER_PG_URL"].endswith("/sales?options=-csearch_path%3Ddagster")


def test_redact_hides_the_password_in_every_dsn_form():
    for dsn in ("postgresql://ana:secret@h:5432/db", "host=h user=ana password=secret dbname=db",
                "postgresql://ana@h:5432/db?password=secret"):
        shown = redact(dsn)
        assert "secret" not in shown and "password=***" in shown and "host=h" in shown
    assert "password" not in redact("postgresql://h/db")
    assert redact("not a dsn at all") == "<unparseable DSN>"
