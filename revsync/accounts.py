"""revsync accounts (`app.accounts`): a team whose providers are connected and synced.

An account is found by its id, its slug, or its name (any letter case). Adding one is idempotent
by slug: adding "Acme Corp" twice returns the same account.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from revsync.errors import RevsyncError


@dataclass(frozen=True)
class ProviderStatus:
    provider: str
    auth_type: str
    status: str
    last_error: str | None = None


@dataclass(frozen=True)
class Account:
    account_id: str
    name: str
    slug: str
    connections: tuple[ProviderStatus, ...] = field(default=())


def slugify(name: str) -> str:
    """A URL-safe slug: accents dropped, lowercase ASCII letters and digits joined by single dashes.

    "Acme Corp." -> "acme-corp", "Société Générale" -> "societe-generale". A name with no letter or
    digit at all is refused.
    """
    # Accents are combining marks after NFKD: dropped. Any other character that is not an ASCII
    # letter or digit (punctuation, dashes, scripts without an ASCII form) separates words.
    decomposed = unicodedata.normalize("NFKD", name)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", kept.lower()).strip("-")
    if not slug:
        raise RevsyncError(f"The account name {name!r} needs at least one letter or digit (A-Z, 0-9).")
    return slug[:63].rstrip("-")


def add_account(conn, name: str) -> tuple[Account, bool]:
    """The account with `name`'s slug, created if there is none; returns it and whether it was created.

    `conn` is a psycopg2 connection; the caller owns the transaction.
    """
    name = name.strip()
    slug = slugify(name)
    with conn.cursor() as cur:
        cur.execute(
            "insert into app.accounts (name, slug) values (%s, %s) on conflict (slug) do nothing "
            "returning account_id, name, slug",
            (name, slug),
        )
        row = cur.fetchone()
        created = row is not None
        if row is None:
            cur.execute("select account_id, name, slug from app.accounts where slug = %s", (slug,))
            row = cur.fetchone()
    return Account(str(row[0]), row[1], row[2]), created


def find_account(conn, name_or_slug: str) -> Account:
    """The account whose id, slug or name (any letter case) is `name_or_slug`; a clear error if
    there is none, or if several accounts share that name."""
    given = name_or_slug.strip()
    try:
        slug = slugify(given)
    except RevsyncError:
        slug = None
    with conn.cursor() as cur:
        cur.execute(
            """
            select account_id, name, slug,
                   case when account_id::text = %(given)s then 0 when slug = %(given)s then 1
                        when slug = %(slug)s then 2 else 3 end as rank
            from app.accounts
            where account_id::text = %(given)s or slug in (%(given)s, %(slug)s) or lower(name) = lower(%(given)s)
            order by rank, created_at
            """,
            {"given": given, "slug": slug},
        )
        rows = cur.fetchall()
    if not rows:
        raise RevsyncError(
            f"No account {given!r}. `revsync accounts list` shows them; `revsync accounts add NAME` adds one."
        )
    if rows[0][3] == 3 and len(rows) > 1:
        slugs = ", ".join(row[2] for row in rows)
        raise RevsyncError(f"Several accounts are named {given!r} ({slugs}); give the slug instead.")
    return Account(str(rows[0][0]), rows[0][1], rows[0][2])


def list_accounts(conn) -> list[Account]:
    """Every account with its connections (provider, auth type, status), by name."""
    with conn.cursor() as cur:
        cur.execute(
            """
            select a.account_id, a.name, a.slug, c.provider, c.auth_type, c.status, c.last_error
            from app.accounts a left join app.api_connections c on c.account_id = a.account_id
            order by lower(a.name), a.slug, c.provider
            """
        )
        rows = cur.fetchall()
    accounts: dict[str, Account] = {}
    for account_id, name, slug, provider, auth_type, status, last_error in rows:
        account = accounts.get(str(account_id)) or Account(str(account_id), name, slug)
        if provider is not None:
            connection = ProviderStatus(provider, auth_type, status, last_error)
            account = Account(account.account_id, name, slug, (*account.connections, connection))
        accounts[str(account_id)] = account
    return list(accounts.values())
