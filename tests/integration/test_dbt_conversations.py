"""Conversations over real synced data: one sandbox portal's HubSpot, Fathom and Aircall synced over
HTTP, then `dbt build`. Recorded conversations, transcript segments and Aircall calls equal the
sandbox's truth; reps match recorders whatever the case of their email; `dbt docs generate`
describes every column of every mart."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg2
import pytest

from dlt_sources.sync import sync_accounts, sync_options
from provider_sandbox.launcher import SandboxProcess
from revsync.credentials import store_connection
from tests.integration.test_dbt_models import query, run_dbt
from tests.support import get_json


@pytest.fixture(scope="module")
def synced(environment, tmp_path_factory):
    """Account `conv-1` connected to all three providers of one sandbox portal, synced, built."""
    sandbox = SandboxProcess.start(tmp_path_factory.mktemp("sandbox"), "--accounts", "1", "--engagements", "200",
                                   "--seed", "43", "--anchor", "2026-11-01T00:00:00Z",
                                   # Few: transcriptions cost a request each, at the sources' 60 a minute.
                                   "--aircall-calls", "40", "--fathom-meetings", "30",
                                   "--search-index-delay-ms", "0", "--no-rate-limits")
    try:
        portal = get_json(f"{sandbox.url}/_sandbox/accounts")[0]
        url = environment.database_url
        with psycopg2.connect(url) as conn, conn.cursor() as cur:
            cur.execute("insert into app.accounts (name, slug) values ('Conv One', 'conv-1') "
                        "returning account_id::text")
            account_id = cur.fetchone()[0]
            for provider, auth_type, secrets in (
                ("hubspot", "private_app", {"access_token": portal["hubspot"]["private_app_token"]}),
                ("fathom", "api_key", {"api_key": portal["fathom"]["api_key"]}),
                ("aircall", "basic", {"api_id": portal["aircall"]["api_id"],
                                      "api_token": portal["aircall"]["api_token"]}),
            ):
                store_connection(conn, account_id=account_id, provider=provider, auth_type=auth_type,
                                 secrets=secrets, api_base=sandbox.url)
            # Fathom's recorders as reps, their emails in another case than Fathom's.
            for email in get_json(f"{sandbox.url}/_sandbox/truth")["accounts"][portal["key"]]["fathom"]["meetings"][
                    "by_recorder"]:
                # Emails are unique across accounts: a user an earlier test made moves to this account.
                cur.execute("insert into app.users (account_id, email, role) values (%s, %s, 'rep') "
                            "on conflict ((lower(email))) do update set account_id = excluded.account_id, "
                            "role = 'rep'", (account_id, email.swapcase()))
        pipelines = str(tmp_path_factory.mktemp("dlt"))
        for provider in ("hubspot", "fathom", "aircall"):
            outcomes = sync_accounts(provider, url, [account_id], sync_options(provider), pipelines_dir=pipelines)
            assert all(o.status in ("success", "partial") for o in outcomes), [o.line() for o in outcomes]
        target = tmp_path_factory.mktemp("dbt_target")
        run_dbt(target, "build")
        truth = get_json(f"{sandbox.url}/_sandbox/truth")["accounts"][portal["key"]]
        yield account_id, truth, target
    finally:
        sandbox.stop()


def test_conversations_and_segments_equal_the_sandbox(environment, synced):
    account_id, truth, _ = synced
    url = environment.database_url
    meetings = truth["fathom"]["meetings"]
    rows = query(url, "select count(*), count(rep_id), count(*) filter (where channel in ('zoom', 'teams', 'meet')) "
                 "from analytics.synced_conversations where account_id = %s and source = 'fathom'", (account_id,))
    count, with_rep, video = rows[0]
    assert count == meetings["count"] and with_rep == count and video > count / 2
    per_rep = dict(query(url, "select lower(u.email), count(*) from analytics.synced_conversations c "
                         "join app.users u on u.user_id = c.rep_id where c.account_id = %s and c.source = 'fathom' "
                         "group by 1", (account_id,)))
    assert {email.lower(): n for email, n in meetings["by_recorder"].items()} == per_rep
    segments = query(url, "select count(*) from analytics.conversation_transcript_segments s "
                     "join analytics.synced_conversations c using (conversation_id) "
                     "where c.account_id = %s and c.source = 'fathom'", (account_id,))
    assert segments == [(meetings["transcript_items"],)]
    # Each conversation's speakers share all of its talk time.
    shares = query(url, "select conversation_id, sum(share) from (select distinct conversation_id, speaker_email, "
                   "speaker_name, speaker_talk_share as share from analytics.conversation_transcript_segments "
                   "where account_id = %s) as speakers group by 1", (account_id,))
    assert shares and all(abs(total - 1) < 0.001 for _, total in shares)
    assert query(url, "select count(*) from analytics.conversation_transcript_segments "
                 "where account_id = %s and speaker_type = 'rep' and rep_id is not null", (account_id,))[0][0] > 0


def test_aircall_calls_are_activities(environment, synced):
    account_id, truth, _ = synced
    calls = truth["aircall"]["calls"]
    rows = query(environment.database_url,
                 "select count(*), sum(duration_seconds), count(*) filter (where not is_connected) "
                 "from analytics.synced_activities where account_id = %s and source = 'aircall'", (account_id,))
    assert rows == [(calls["count"], calls["duration_sum"], calls["missed_count"])]


def test_docs_describe_every_mart_column(synced):
    _, _, target = synced
    run_dbt(target, "docs", "generate")
    manifest = json.loads((Path(target) / "manifest.json").read_text())
    catalog = json.loads((Path(target) / "catalog.json").read_text())
    missing = []
    marts = [node for node in manifest["nodes"].values()
             if node["resource_type"] == "model" and node["schema"] == "analytics"]
    assert len(marts) >= 10
    for node in marts:
        described = {name for name, column in node["columns"].items() if column.get("description")}
        in_database = set(catalog["nodes"][node["unique_id"]]["columns"])
        missing += [f"{node['name']}.{name}" for name in sorted(in_database - described)]
        assert node["description"], node["name"]
    assert not missing
