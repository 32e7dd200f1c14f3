"""HubSpot: CRM v3 objects, auth and rate limits (OAuth, search, batch and v1 engagements to come)."""
