"""Fathom dlt source: recorded meetings, invitees, transcripts, summaries, action items and users
into `raw_fathom`, by polling and from stored webhook deliveries."""

from dlt_sources.fathom.pipeline import FathomSyncOptions, WorkspaceSyncResult, sync_account, sync_workspace
from dlt_sources.fathom.source import TABLES, fathom_source

__all__ = ["TABLES", "FathomSyncOptions", "WorkspaceSyncResult", "fathom_source", "sync_account", "sync_workspace"]
