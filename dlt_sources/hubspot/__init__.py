"""HubSpot dlt source: CRM objects, engagements, associations and portal metadata into `raw_hubspot`."""

from dlt_sources.hubspot.pipeline import HubSpotSyncOptions, PortalSyncResult, sync_portal
from dlt_sources.hubspot.source import TABLES, hubspot_source

__all__ = ["TABLES", "HubSpotSyncOptions", "PortalSyncResult", "hubspot_source", "sync_portal"]
