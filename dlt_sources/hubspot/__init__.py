"""HubSpot dlt source: CRM engagements into the `raw_hubspot` dataset."""

from dlt_sources.hubspot.source import CALL_PROPERTIES, HubSpotPortal, hubspot_source

__all__ = ["CALL_PROPERTIES", "HubSpotPortal", "hubspot_source"]
