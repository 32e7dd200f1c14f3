"""Local stand-in for the HubSpot, Fathom and Aircall APIs.

A real HTTP server (Starlette on uvicorn) that serves deterministic, generated data with the
providers' paging, auth, rate limits and error bodies, so tests and benchmarks never need the
internet. It must not import project code (revsync, dlt_sources, orchestration): any HTTP client
can use it. See README.md in this folder for the layout and how to extend it.
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
