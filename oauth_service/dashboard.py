"""The manager dashboard's numbers: per rep, for a period, dials, connects, conversations,
meetings, the conversion rates and the last activity, and the team's weekly trend.

Read from `analytics.rep_activity_daily` (one row per account, rep and day) when dbt has built
it; until then from `analytics.synced_activities` (outbound calls and meetings by HubSpot owner,
matched to reps by email), and the page says which. Dials are outbound calls; connects are dials
a person answered; meetings are meetings booked. Conversations come from `analytics.synced_conversations`
when it exists.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

METRICS = ("dials", "connects", "conversations", "meetings")


@dataclass
class RepRow:
    rep: str  # the rep's name, else email, else the source's owner id
    email: str | None
    dials: int = 0
    connects: int = 0
    conversations: int | None = None
    meetings: int = 0
    last_activity_at: datetime | None = None
    weekly_dials: dict[date, int] = field(default_factory=dict)

    @property
    def connect_rate(self) -> float | None:
        return self.connects / self.dials if self.dials else None

    @property
    def meeting_rate(self) -> float | None:
        """Meetings per connect (connect → meeting)."""
        return self.meetings / self.connects if self.connects else None

    @property
    def dial_to_meeting_rate(self) -> float | None:
        return self.meetings / self.dials if self.dials else None


@dataclass
class Dashboard:
    start: date
    end: date  # inclusive
    source: str | None  # the table read, None: nothing to read yet
    note: str | None  # what is missing, for the page
    reps: list[RepRow]
    weeks: list[date]  # Mondays
    weekly: dict[str, list[int]]  # metric -> one value per week, team total

    @property
    def totals(self) -> dict[str, int | None]:
        totals: dict[str, int | None] = {m: sum(getattr(r, m) or 0 for r in self.reps) for m in METRICS}
        if all(r.conversations is None for r in self.reps):
            totals["conversations"] = None
        return totals


def _exists(cur, name: str) -> bool:
    cur.execute("select to_regclass(%s)", (name,))
    return cur.fetchone()[0] is not None


def _columns(cur, schema: str, table: str) -> set[str]:
    """The table's columns, none when it does not exist. Read from pg_attribute: the same question
    to information_schema costs milliseconds of planning and privilege checks on every page."""
    cur.execute("select attname from pg_attribute where attrelid = to_regclass(%s) and attnum > 0 "
                "and not attisdropped", (f"{schema}.{table}",))
    return {row[0] for row in cur.fetchall()}


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _pick(columns: set[str], *names: str) -> str | None:
    return next((n for n in names if n in columns), None)


def _from_rep_activity_daily(cur, account_id, start, end, rep_email, columns) -> list[tuple] | None:
    """Rows (rep, email, day, dials, connects, conversations, meetings, last_activity_at) or None
    when the table lacks the columns this page needs."""
    day = _pick(columns, "activity_date", "activity_day", "day", "date")
    # Booked, as the mart's connect→meeting and dial→meeting rates count them.
    meetings = _pick(columns, "meetings_booked", "meetings", "meetings_held")
    if not day or "rep_id" not in columns or not {"dials", "connects"} <= columns:
        return None
    conversations = "r.conversations" if "conversations" in columns else "null::bigint"
    last = "r.last_activity_at" if "last_activity_at" in columns else "null::timestamptz"
    cur.execute(
        f"""
        select coalesce(u.display_name, u.email, r.rep_id::text), u.email, r.{day}::date, r.dials, r.connects,
               {conversations}, {f"r.{meetings}" if meetings else "0"}, {last}
        from analytics.rep_activity_daily r left join app.users u on u.user_id = r.rep_id
        where r.account_id = %(account)s and r.{day} between %(start)s and %(end)s
          and r.rep_id is not null and (%(email)s::text is null or lower(u.email) = lower(%(email)s))
        """,
        {"account": account_id, "start": start, "end": end, "email": rep_email},
    )
    return cur.fetchall()


def _from_synced_activities(cur, account_id, start, end, rep_email) -> list[tuple]:
    owners = _exists(cur, "raw_hubspot.owners") and {"id", "email"} <= _columns(cur, "raw_hubspot", "owners")
    owner_join = (
        "left join raw_hubspot.owners o on o.account_id = a.account_id and o.id::text = a.owner_id::text"
        if owners else "left join (select null::text as email) o on false"
    )
    cur.execute(
        f"""
        with activity as (
            select lower(trim(o.email)) as email, a.owner_id::text as owner_id, a.occurred_at,
                   a.activity_type, coalesce(a.is_connected, false) as is_connected,
                   a.activity_type = 'call' and lower(a.direction) = 'outbound' as is_dial
            from analytics.synced_activities a {owner_join}
            where a.account_id = %(account)s and a.occurred_at >= %(start)s and a.occurred_at < %(end)s + 1
        )
        select coalesce(u.display_name, u.email, act.email, 'HubSpot owner ' || act.owner_id),
               coalesce(u.email, act.email), act.occurred_at::date,
               count(*) filter (where act.is_dial),
               count(*) filter (where act.is_dial and act.is_connected),
               null::bigint,
               count(*) filter (where act.activity_type = 'meeting'),
               max(act.occurred_at)
        from activity act
        left join app.users u on u.account_id = %(account)s and lower(u.email) = act.email
        where act.owner_id is not null and (%(email)s::text is null or act.email = lower(%(email)s))
        group by 1, 2, 3
        """,
        {"account": account_id, "start": start, "end": end, "email": rep_email},
    )
    return cur.fetchall()


def build_dashboard(conn, account_id: str, start: date, end: date, rep_email: str | None = None) -> Dashboard:
    """The dashboard for [start, end]; `rep_email` limits it to one rep (what a rep sees)."""
    weeks = []
    week = _monday(start)
    while week <= end:
        weeks.append(week)
        week += timedelta(days=7)
    with conn.cursor() as cur:
        rows, source, note = None, None, None
        columns = _columns(cur, "analytics", "rep_activity_daily")
        if columns:
            rows = _from_rep_activity_daily(cur, account_id, start, end, rep_email, columns)
            source = "analytics.rep_activity_daily"
        if rows is None and _exists(cur, "analytics.synced_activities"):
            rows = _from_synced_activities(cur, account_id, start, end, rep_email)
            source = "analytics.synced_activities"
            note = ("Rep metrics are not modelled yet: dials, connects and meetings are counted from synced "
                    "HubSpot activities by owner; conversations appear once call recordings are modelled.")
        if rows is None:
            source = None
            note = "No activity is modelled yet. Connect HubSpot and run a sync; the numbers appear after it."
            rows = []
    reps: dict[str, RepRow] = {}
    weekly: dict[str, list[int]] = {m: [0] * len(weeks) for m in METRICS}
    for rep, email, day, dials, connects, conversations, meetings, last in rows:
        row = reps.setdefault(rep, RepRow(rep, email))
        row.dials += dials or 0
        row.connects += connects or 0
        row.meetings += meetings or 0
        if conversations is not None:
            row.conversations = (row.conversations or 0) + conversations
        if last is not None and (row.last_activity_at is None or last > row.last_activity_at):
            row.last_activity_at = last
        index = (_monday(day) - weeks[0]).days // 7 if weeks else -1
        if 0 <= index < len(weeks):
            row.weekly_dials[weeks[index]] = row.weekly_dials.get(weeks[index], 0) + (dials or 0)
            for metric, value in zip(METRICS, (dials, connects, conversations, meetings), strict=True):
                weekly[metric][index] += value or 0
    ordered = sorted(reps.values(), key=lambda r: (-r.dials, r.rep.lower()))
    return Dashboard(start, end, source, note, ordered, weeks, dict(weekly))


def weekly_by_rep(dashboard: Dashboard) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(list)
    for rep in dashboard.reps:
        out[rep.rep] = [rep.weekly_dials.get(w, 0) for w in dashboard.weeks]
    return dict(out)
