"""BI logins per account, over real connections: `revsync bi grant` for two accounts with synced
data; each login sees only its account's rows in every mart and view, reads nothing outside
`analytics`, and writes nothing. `revsync bi revoke` ends a login; a second grant rotates it."""

from __future__ import annotations

import psycopg2
import pytest

from revsync.cli import main
from tests.integration.test_dbt_models import Portals, run_dbt

FORBIDDEN_READS = ("select * from raw_hubspot.calls", "select * from raw_hubspot._dlt_loads",
                   "select * from app.users", "select * from app.api_connections", "select * from app.bi_logins",
                   "select * from dagster.runs", "select * from staging.stg_hubspot__calls",
                   "select * from intermediate.int_source_users_matched")
# Marts where both accounts have rows once HubSpot is synced.
SHARED = {"synced_activities", "rep_activity_daily", "integration_health", "integration_connections",
          "integration_sync_attempts", "unmatched_rep_emails", "synced_conversations"}
WRITES = ("insert into analytics.synced_activities (activity_id) values ('x')",
          "update analytics.rep_activity_daily set dials = 0",
          "delete from analytics.synced_activities",
          "create table analytics.mine (id int)",
          "create table public.mine (id int)")


def grant(capsys, account: str) -> str:
    assert main(["bi", "grant", "--account", account]) == 0
    url = capsys.readouterr().out.strip()
    assert url.startswith("postgresql://revsync_bi_")
    return url


@pytest.fixture(scope="module")
def synced(environment, tmp_path_factory):
    from provider_sandbox.launcher import SandboxProcess

    sandbox = SandboxProcess.start(tmp_path_factory.mktemp("sandbox"), "--accounts", "2", "--engagements", "200",
                                   "--seed", "41", "--anchor", "2026-11-01T00:00:00Z",
                                   "--search-index-delay-ms", "0", "--no-rate-limits")
    try:
        portals = Portals(sandbox, environment.database_url, str(tmp_path_factory.mktemp("dlt")), slug_prefix="bi")
        portals.sync()
        run_dbt(tmp_path_factory.mktemp("dbt_target"), "build")
        yield portals
    finally:
        sandbox.stop()


def query(url: str, sql: str) -> list[tuple]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def test_each_login_sees_only_its_account_and_nothing_else(environment, synced, capsys):
    admin = environment.database_url
    relations = [name for (name,) in query(
        admin, "select table_name from information_schema.tables where table_schema = 'analytics' order by 1")]
    assert SHARED | {"recent_synced_activities", "recent_synced_conversations",
                     "conversation_transcript_segments"} <= set(relations)
    for key, account_id in synced.accounts.items():
        url = grant(capsys, f"bi-{key}")
        for relation in relations:
            mine = query(url, f"select account_id::text, count(*) from analytics.{relation} group by 1")  # noqa: S608
            everyone = dict(query(admin, f"select account_id::text, count(*) from analytics.{relation} "  # noqa: S608
                                  "group by 1"))
            expected = [(account_id, everyone[account_id])] if account_id in everyone else []
            assert mine == expected, relation
            if relation in SHARED:
                assert len(everyone) > 1, relation  # other accounts' rows are there, unseen
        assert query(url, "select count(*) from analytics.synced_activities")[0][0] > 0
        for statement in FORBIDDEN_READS:
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                query(url, statement)
        for statement in WRITES:
            with pytest.raises((psycopg2.errors.InsufficientPrivilege, psycopg2.errors.ReadOnlySqlTransaction)):
                query(url, statement)
        # Even in a read-write transaction, the grants allow no write.
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            query(url, "set transaction read write; delete from analytics.synced_activities")


def test_revoke_ends_the_login_and_a_new_grant_rotates_the_password(environment, synced, capsys):
    first = grant(capsys, "bi-account-1")
    second = grant(capsys, "bi-account-1")
    assert first != second
    with pytest.raises(psycopg2.OperationalError):
        query(first, "select 1")
    assert query(second, "select count(*) from analytics.synced_activities")[0][0] > 0

    assert main(["bi", "revoke", "--account", "bi-account-1"]) == 0
    assert "dropped BI login revsync_bi_bi_account_1" in capsys.readouterr().out
    with pytest.raises(psycopg2.OperationalError):
        query(second, "select 1")
    assert main(["bi", "revoke", "--account", "bi-account-1"]) == 0
    assert "has no such BI login" in capsys.readouterr().out


def test_grant_for_an_unknown_account_says_what_to_do(environment, capsys):
    assert main(["bi", "grant", "--account", "no-such-team"]) != 0
    assert "revsync accounts list" in capsys.readouterr().err
