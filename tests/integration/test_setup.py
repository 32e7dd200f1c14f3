"""`revsync setup` leaves a database where every dbt model exists, before any provider synced."""

import json

import psycopg2

from revsync.paths import PROJECT_ROOT
from revsync.setup import create_missing_models


def test_every_model_exists_after_setup(environment):
    manifest = json.loads((PROJECT_ROOT / "dbt_project" / "target" / "manifest.json").read_text())
    staging = {(n["schema"], n.get("alias") or n["name"]) for n in manifest["nodes"].values()
               if n["resource_type"] == "model"}
    assert {name for _, name in staging} >= {"stg_aircall__calls", "integration_health", "synced_activities"}
    with psycopg2.connect(environment.database_url) as conn, conn.cursor() as cur:
        cur.execute("select table_schema, table_name from information_schema.tables")
        existing = set(cur.fetchall())
    conn.close()
    assert staging <= existing, sorted(staging - existing)
    assert create_missing_models(environment.database_url, environment.env) == []  # nothing left to build
