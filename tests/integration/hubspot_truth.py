"""Compare `raw_hubspot` with the sandbox's ground truth (`GET /_sandbox/truth`), the way the
truth defines its checksums (provider_sandbox/README.md, "Ground truth")."""

from __future__ import annotations

import hashlib

import psycopg2

from dlt_sources.hubspot.objects import OBJECTS


def _sha(lines: list[str]) -> str:
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def raw_summary(url: str, account_id: str, object_types=tuple(OBJECTS), associations: bool = True) -> dict:
    """Per object type: live and archived counts and checksums, and association counts and
    checksums for the links each type owns (both ends live)."""
    out: dict = {}
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        for object_type in object_types:
            spec = OBJECTS[object_type]
            cur.execute(
                f"select id, (extract(epoch from updated_at) * 1000)::bigint, is_deleted, archived "  # noqa: S608
                f"from raw_hubspot.{object_type} where account_id = %s order by id::bigint",
                (account_id,),
            )
            rows = cur.fetchall()
            live = [f"{i}:{m}\n" for i, m, deleted, _ in rows if not deleted]
            archived = [f"{i}:{m}\n" for i, m, deleted, arch in rows if deleted and arch]
            entry = {"count": len(live), "checksum": _sha(live), "archived_count": len(archived),
                     "archived_checksum": _sha(archived), "associations": {}}
            for to_type in spec.associations if associations else ():
                cur.execute(
                    f"""
                    select a.from_id::bigint, t.id::bigint
                    from raw_hubspot.associations a
                    join raw_hubspot.{object_type} f on f.account_id = a.account_id and f.id = a.from_id
                    cross join lateral jsonb_array_elements_text(a.to_ids) as x(to_id)
                    join raw_hubspot.{to_type} t on t.account_id = a.account_id and t.id = x.to_id
                    where a.account_id = %s and a.from_type = %s and a.to_type = %s
                      and not f.is_deleted and not t.is_deleted
                    order by 1, 2
                    """,  # noqa: S608
                    (account_id, object_type, to_type),
                )
                pairs = [f"{a}:{b}\n" for a, b in cur.fetchall()]
                entry["associations"][to_type] = {"count": len(pairs), "checksum": _sha(pairs)}
            out[object_type] = entry
    return out


def truth_summary(truth_objects: dict, object_types=tuple(OBJECTS), associations: bool = True) -> dict:
    out = {}
    for object_type in object_types:
        t = truth_objects[object_type]
        out[object_type] = {
            "count": t["count"], "checksum": t["checksum"], "archived_count": t["archived_count"],
            "archived_checksum": t["archived_checksum"],
            "associations": {to: {"count": t["associations"].get(to, {}).get("count", 0),
                                  "checksum": t["associations"].get(to, {}).get("checksum", _sha([]))}
                             for to in OBJECTS[object_type].associations} if associations else {},
        }
    return out


def assert_equals_truth(url: str, account_id: str, truth_objects: dict, object_types=tuple(OBJECTS),
                        associations: bool = True) -> None:
    """Counts and checksums per object type (and of the links each owns, unless `associations`
    is False) equal the truth's."""
    raw = raw_summary(url, account_id, object_types, associations)
    truth = truth_summary(truth_objects, object_types, associations)
    differences = {
        t: {"raw": raw[t], "truth": truth[t]} for t in object_types if raw[t] != truth[t]
    }
    assert not differences, differences


def duplicate_keys(url: str) -> int:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        total = 0
        for object_type in OBJECTS:
            cur.execute("select to_regclass(%s)", (f"raw_hubspot.{object_type}",))
            if cur.fetchone()[0] is None:
                continue
            cur.execute(f"select count(*) - count(distinct (account_id, id)) from raw_hubspot.{object_type}")  # noqa: S608
            total += cur.fetchone()[0]
        return total


def new_account_id(url: str, name: str = "Source test") -> str:
    """A real revsync account for a test's raw rows (the marts' tests check every account_id
    against app.accounts)."""
    import uuid

    from revsync.accounts import add_account

    conn = psycopg2.connect(url)
    try:
        with conn:
            account, _ = add_account(conn, f"{name} {uuid.uuid4().hex[:10]}")
        return account.account_id
    finally:
        conn.close()
