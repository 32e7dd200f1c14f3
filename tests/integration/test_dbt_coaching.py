"""Coaching tables: the database enforces a message's lifecycle; dbt exposes messages and outcomes
as marts; an account's BI login sees the account's, a rep's login only that rep's."""

from __future__ import annotations

import psycopg2
import pytest

from revsync.db.roles import grant_bi_login
from tests.integration.test_dbt_models import query, run_dbt


@pytest.fixture(scope="module")
def team(environment):
    """An account with a manager and two reps, and a manager of another account."""
    people = {}
    with psycopg2.connect(environment.database_url) as conn, conn.cursor() as cur:
        for slug in ("coach-a", "coach-b"):
            cur.execute("insert into app.accounts (name, slug) values (%s, %s) returning account_id::text",
                        (slug.title(), slug))
            people[slug] = cur.fetchone()[0]
        for key, slug, role in (("manager", "coach-a", "manager"), ("ana", "coach-a", "rep"),
                                ("ben", "coach-a", "rep"), ("other_manager", "coach-b", "manager")):
            cur.execute("insert into app.users (account_id, email, role) values (%s, %s, %s) returning user_id::text",
                        (people[slug], f"{key}@{slug}.example", role))
            people[key] = cur.fetchone()[0]
    return people


def draft(cur, team, rep: str = "ana") -> str:
    cur.execute("insert into app.coaching_messages (account_id, rep_id, conversation_id, body) "
                "values (%s, %s, 'fathom:abc', 'Ask about the budget earlier.') returning message_id::text",
                (team["coach-a"], team[rep]))
    return cur.fetchone()[0]


def test_the_lifecycle_moves_one_step_forward_at_a_time(environment, team):
    conn = psycopg2.connect(environment.database_url)
    conn.autocommit = True  # each refused statement leaves the next one free to run
    try:
        cur = conn.cursor()
        message = draft(cur, team)
        with pytest.raises(psycopg2.errors.RaiseException, match="one step at a time"):
            cur.execute("update app.coaching_messages set status = 'sent' where message_id = %s", (message,))
        with pytest.raises(psycopg2.errors.RaiseException, match="manager of the message's account"):
            cur.execute("update app.coaching_messages set status = 'approved' where message_id = %s", (message,))
        with pytest.raises(psycopg2.errors.RaiseException, match="manager of the message's account"):
            cur.execute("update app.coaching_messages set status = 'approved', approved_by = %s "
                        "where message_id = %s", (team["other_manager"], message))
        with pytest.raises(psycopg2.errors.CheckViolation):
            cur.execute("update app.coaching_messages set rep_response = 'ok', responded_at = now() "
                        "where message_id = %s", (message,))
        cur.execute("update app.coaching_messages set status = 'approved', approved_by = %s where message_id = %s",
                    (team["manager"], message))
        for status in ("sent", "read"):
            cur.execute("update app.coaching_messages set status = %s where message_id = %s", (status, message))
        cur.execute("update app.coaching_messages set rep_response = 'Will do', responded_at = now(), "
                    "status = 'acknowledged' where message_id = %s", (message,))
        with pytest.raises(psycopg2.errors.RaiseException, match="one step at a time"):
            cur.execute("update app.coaching_messages set status = 'draft' where message_id = %s", (message,))
        cur.execute("select approved_at <= sent_at and sent_at <= read_at and read_at <= acknowledged_at "
                    "from app.coaching_messages where message_id = %s", (message,))
        assert cur.fetchone() == (True,)
        with pytest.raises(psycopg2.errors.RaiseException, match="starts as a draft"):
            cur.execute("insert into app.coaching_messages (account_id, rep_id, body, status) "
                        "values (%s, %s, 'x', 'sent')", (team["coach-a"], team["ana"]))
        with pytest.raises(psycopg2.errors.RaiseException, match="rep of the message's account"):
            cur.execute("insert into app.coaching_messages (account_id, rep_id, body) values (%s, %s, 'x')",
                        (team["coach-a"], team["manager"]))
        with pytest.raises(psycopg2.errors.ForeignKeyViolation):  # an outcome belongs to its message's account
            cur.execute("insert into app.coaching_outcomes (message_id, account_id, methodology, score_before, "
                        "score_after) values (%s, %s, 'MEDDIC', 40, 55)", (message, team["coach-b"]))
    finally:
        conn.close()


def test_coaching_marts_show_a_manager_the_account_and_a_rep_their_own(environment, team, tmp_path):
    with psycopg2.connect(environment.database_url) as conn, conn.cursor() as cur:
        for rep in ("ana", "ana", "ben"):
            message = draft(cur, team, rep)
            cur.execute("insert into app.coaching_outcomes (message_id, account_id, methodology, score_before, "
                        "score_after) values (%s, %s, 'MEDDIC', 40, 55)", (message, team["coach-a"]))
    run_dbt(tmp_path, "build")  # before any provider was synced: the models build on empty sources

    account = grant_bi_login(environment.database_url, "coach-a")
    ana = grant_bi_login(environment.database_url, "coach-a", " ANA@coach-a.example ")
    other = grant_bi_login(environment.database_url, "coach-b")
    count = "select count(*), count(distinct rep_id) from analytics.{} where account_id = %s"
    expected = query(environment.database_url, count.format("coaching_messages"), (team["coach-a"],))[0]
    assert expected[0] >= 3 and expected[1] == 2
    assert query(account.url, "select count(*), count(distinct rep_id) from analytics.coaching_messages")[0] \
        == expected
    assert query(ana.url, "select distinct rep_id::text from analytics.coaching_messages") == [(team["ana"],)]
    assert query(ana.url, "select distinct rep_id::text, score_after - score_before "
                 "from analytics.coaching_outcomes") == [(team["ana"], 15)]
    assert query(other.url, "select count(*) from analytics.coaching_messages") == [(0,)]
