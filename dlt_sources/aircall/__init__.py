"""Aircall dlt source: calls, users and call transcriptions into `raw_aircall`."""

from dlt_sources.aircall.pipeline import AircallSyncOptions, sync_account
from dlt_sources.aircall.source import TABLES, aircall_source

__all__ = ["TABLES", "AircallSyncOptions", "aircall_source", "sync_account"]
