"""Which provider accounts to sync, with their credentials from revsync's vault."""

from __future__ import annotations

from collections.abc import Sequence

import psycopg2

from dlt_sources.hubspot.source import HubSpotPortal
from revsync.credentials import load_connection
from revsync.settings import get_settings


def connected_hubspot_portals(url: str, account_ids: Sequence[str] | None = None) -> list[HubSpotPortal]:
    """Every connected, auto-syncing HubSpot portal (or just the given accounts)."""
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                """
                select account_id::text from app.api_connections
                where provider = 'hubspot' and status = 'connected'
                  and (%(ids)s::uuid[] is null or account_id = any(%(ids)s::uuid[]))
                  and (%(ids)s::uuid[] is not null or auto_sync_enabled)
                order by account_id
                """,
                {"ids": list(account_ids) if account_ids else None},
            )
            ids = [row[0] for row in cur.fetchall()]
        api_base = get_settings().hubspot_api_base
        return [
            HubSpotPortal(account_id=i, api_base=api_base,
                          access_token=load_connection(conn, i, "hubspot").secrets["access_token"])
            for i in ids
        ]
    finally:
        conn.close()
