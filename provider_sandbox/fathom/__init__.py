"""Fathom: meetings with transcripts, recordings, OAuth, webhooks and its rate limit.

generate.py builds each account's workspace (users = the account's reps, meetings as a columnar
`ObjectTable`); render.py turns a row into the `Meeting` JSON on request; registry.py holds the
run-time state (tokens, webhooks, limiter); auth.py authenticates and rate-limits; meetings.py,
oauth.py and webhooks.py serve the routes; delivery.py signs and POSTs webhooks.
"""
