"""Aircall: `GET /v1/calls` and `GET /v1/users` with Basic auth, page/per_page paging, the
10,000-records-per-query cap and the `X-AircallApi-*` rate limit (provider-apis.md B2)."""
