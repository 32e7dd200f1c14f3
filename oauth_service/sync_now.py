""""Sync now": the same `dlt_sources.sync.sync_accounts` the schedule and `revsync sync` run, for
one account and provider, in a background thread of the web process."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger("revsync.web")


def can_sync(provider: str) -> bool:
    """Whether revsync has a source for `provider` yet."""
    from dlt_sources.sync import SOURCES

    return provider in SOURCES


def start_sync_now(database_url: str, account_id: str, provider: str, pipelines_dir: str | None = None) -> None:
    """Start a manual sync and return at once; its progress and outcome land in app.integration_sync_log."""
    from dlt_sources.sync import sync_accounts

    def run() -> None:
        try:
            for outcome in sync_accounts(provider, database_url, [account_id], trigger="manual",
                                         pipelines_dir=pipelines_dir):
                log.info("sync now: %s", outcome.line())
        except Exception:  # recorded by sync_accounts per account; this is anything before that
            log.exception("sync now of %s for account %s failed to start", provider, account_id)

    threading.Thread(target=run, name=f"sync-now-{provider}-{account_id}", daemon=True).start()
