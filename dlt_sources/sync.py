"""Sync a provider for a set of accounts, each isolated: what `revsync sync` and Dagster run.

Each provider's source exposes one function, `sync_account(database_url, credentials, options, *,
pipelines_dir, progress) -> SyncResult`, and an options class taking at least `mode` and `window`;
`SOURCES` names them, so adding a provider is one line here.

Every account gets its own credentials, its own dlt pipeline and its own sync log row. One
account's failure (a revoked token, an outage) is recorded on its row and its connection
(`needs_reauth` or `error`) and never stops the next account.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg2

from dlt_sources.http import RetriesExhausted, SourceError
from dlt_sources.loading import SyncAlreadyRunning, SyncResult
from revsync.credentials import PROVIDER_NAMES, ConnectionCredentials, NeedsReauth
from revsync.errors import RevsyncError
from revsync.paths import pipelines_dir as default_pipelines_dir
from revsync.sync_log import finish_sync, start_sync

log = logging.getLogger("revsync.sync")


@dataclass
class AccountSync:
    account_id: str
    provider: str
    status: str  # success | partial | failed
    result: SyncResult | None = None
    error: str | None = None
    transient: bool = False  # a failure that may pass if retried later (the provider kept failing, a busy account)

    def line(self) -> str:
        if self.result is None:
            return f"{self.provider} account {self.account_id}: failed: {self.error}"
        skipped = "; skipped " + ", ".join(self.result.skipped) if self.result.skipped else ""
        return f"{self.provider} account {self.account_id}: {self.result.summary()}{skipped}"


def connected_accounts(database_url: str, provider: str, account_ids: Sequence[str] | None = None) -> list[str]:
    """Accounts to sync: the given ones (if connected), else every connected one with auto-sync on."""
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                """
                select account_id::text from app.api_connections
                where provider = %(provider)s and status in ('connected', 'error')
                  and (%(ids)s::uuid[] is null or account_id = any(%(ids)s::uuid[]))
                  and (%(ids)s::uuid[] is not null or auto_sync_enabled)
                order by account_id
                """,
                {"provider": provider, "ids": list(account_ids) if account_ids else None},
            )
            return [row[0] for row in cur.fetchall()]
    finally:
        conn.close()


# provider -> (module, options class); the module defines `sync_account`.
SOURCES: dict[str, tuple[str, str]] = {
    "hubspot": ("dlt_sources.hubspot.pipeline", "HubSpotSyncOptions"),
    "aircall": ("dlt_sources.aircall.pipeline", "AircallSyncOptions"),
    "fathom": ("dlt_sources.fathom.pipeline", "FathomSyncOptions"),
}


def options_class(provider: str) -> type:
    module, name = SOURCES[provider]
    return getattr(importlib.import_module(module), name)


def sync_options(provider: str, **values: Any) -> Any:
    """The provider's sync options from generic values (`mode`, `window`, ...); a bad combination
    raises ValueError with a message for the user."""
    return options_class(provider)(**values)


def sync_accounts(provider: str, database_url: str, account_ids: Sequence[str], options: Any = None, *,
                  trigger: str = "manual", run_id: str | None = None, pipelines_dir: str | None = None,
                  progress: Callable[[str], None] | None = None) -> list[AccountSync]:
    """Sync each account's connection to `provider` in turn; returns one outcome per account."""
    module, _ = SOURCES[provider]
    sync_account = importlib.import_module(module).sync_account
    options = options if options is not None else sync_options(provider)
    pipelines_dir = pipelines_dir or str(default_pipelines_dir())
    name = PROVIDER_NAMES[provider]
    outcomes = []
    for account_id in account_ids:
        sync_id = start_sync(database_url, account_id, provider, trigger, run_id)
        credentials = None
        try:
            credentials = ConnectionCredentials(database_url, account_id, provider)
            result = sync_account(database_url, credentials, options, pipelines_dir=pipelines_dir, progress=progress)
        except NeedsReauth as exc:  # the credentials layer found the grant revoked or rejected
            message = str(exc)
            if credentials is not None:
                credentials.mark_needs_reauth(message)
            finish_sync(database_url, sync_id, "failed", error=message)
            outcomes.append(AccountSync(account_id, provider, "failed", error=message))
        except SyncAlreadyRunning as exc:  # nothing wrong with the connection
            finish_sync(database_url, sync_id, "failed", error=str(exc))
            outcomes.append(AccountSync(account_id, provider, "failed", error=str(exc), transient=True))
        except (SourceError, RevsyncError, OSError) as exc:
            message = str(exc)
            if credentials is not None:
                credentials.mark_error(message)
            finish_sync(database_url, sync_id, "failed", error=message)
            outcomes.append(AccountSync(account_id, provider, "failed", error=message,
                                        transient=isinstance(exc, RetriesExhausted | OSError)))
        except Exception as exc:  # a bug or an unexpected answer: record it, then go on
            log.exception("%s sync of account %s failed", name, account_id)
            message = f"{type(exc).__name__}: {exc}"
            if credentials is not None:
                credentials.mark_error(message)
            finish_sync(database_url, sync_id, "failed", error=message)
            outcomes.append(AccountSync(account_id, provider, "failed", error=message))
        else:
            status = "partial" if result.skipped else "success"
            if not result.skipped:
                credentials.mark_ok()
            finish_sync(database_url, sync_id, status, items=result.changed, api_calls=result.api_calls,
                        rate_limited=result.rate_limited,
                        error="; ".join(f"{t}: {why}" for t, why in result.skipped.items()) or None,
                        details=result.details())
            outcomes.append(AccountSync(account_id, provider, status, result=result))
        finally:
            if credentials is not None:
                credentials.close()
    return outcomes


def standalone_main(provider: str, modes: dict[str, str], argv: Sequence[str] | None = None) -> int:
    """`python -m dlt_sources.<provider>`: the provider's sync without the rest of revsync's commands
    (`revsync sync <provider>` runs the same code and has the friendlier options). `modes` maps each
    mode flag the source offers besides incremental (`full`, `reconcile`) to its help."""
    import argparse
    import sys

    from revsync.db import check_connection, database_url

    parser = argparse.ArgumentParser(prog=f"python -m dlt_sources.{provider}",
                                     description=f"Sync {PROVIDER_NAMES[provider]} for connected accounts.")
    parser.add_argument("--account", action="append", help="revsync account id (default: every connected one)")
    group = parser.add_mutually_exclusive_group()
    for mode, help_text in modes.items():
        group.add_argument(f"--{mode}", action="store_const", const=mode, dest="mode", help=help_text)
    args = parser.parse_args(argv)
    try:
        url = database_url(start=True)
        check_connection(url)
        accounts = connected_accounts(url, provider, args.account)
        outcomes = sync_accounts(provider, url, accounts, sync_options(provider, mode=args.mode or "incremental"),
                                 progress=lambda message: print(message, file=sys.stderr))
    except RevsyncError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for outcome in outcomes:
        print(outcome.line())
    return 1 if any(o.status == "failed" for o in outcomes) else 0
