"""What the web app needs to run, passed to `create_app` as one value (see `WebConfig.from_settings`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from revsync.errors import RevsyncError
from revsync.settings import get_settings

_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


@dataclass(frozen=True)
class WebConfig:
    database_url: str = field(repr=False)
    # Public address of the app, no trailing slash; OAuth redirect URIs are {public_url}/callback/{provider}.
    public_url: str
    hubspot_client_id: str | None
    hubspot_client_secret: str | None = field(repr=False)
    hubspot_auth_base: str
    hubspot_api_base: str
    fathom_client_id: str | None = None
    fathom_client_secret: str | None = field(default=None, repr=False)
    fathom_auth_base: str = "https://fathom.video"
    fathom_api_base: str = "https://api.fathom.ai"
    aircall_api_base: str = "https://api.aircall.io"
    pipelines_dir: str | None = None  # where "Sync now" keeps dlt state; None: revsync's default
    session_hours: float = 12.0
    oauth_state_minutes: float = 10.0
    # Login rate limits over a sliding window: failed attempts per email, and per client address.
    login_window_minutes: float = 15.0
    login_failures_per_email: int = 5
    login_failures_per_address: int = 30

    def __post_init__(self) -> None:
        parts = urlsplit(self.public_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
            raise RevsyncError(
                f"REVSYNC_WEB_URL must be the app's address like https://revsync.example.com (got {self.public_url!r})."
            )
        if parts.scheme == "http" and parts.hostname not in _LOOPBACK_HOSTS:
            raise RevsyncError(
                f"REVSYNC_WEB_URL must use https unless the app runs on this machine (got {self.public_url!r})."
            )
        object.__setattr__(self, "public_url", self.public_url.rstrip("/"))

    @property
    def secure_cookies(self) -> bool:
        """Secure cookies on https; a plain-http loopback address (the demo, the tests) cannot use them."""
        return self.public_url.startswith("https://")

    def redirect_uri(self, provider: str) -> str:
        """The exact redirect URI sent to `provider` and registered with its OAuth app."""
        return f"{self.public_url}/callback/{provider}"

    @classmethod
    def from_settings(cls, database_url: str, **overrides) -> WebConfig:
        """The config from revsync's settings (REVSYNC_WEB_URL, HUBSPOT_*, FATHOM_*, AIRCALL_API_BASE)."""
        settings = get_settings()
        values = dict(
            database_url=database_url, public_url=settings.web_url,
            hubspot_client_id=settings.hubspot_client_id, hubspot_client_secret=settings.hubspot_client_secret,
            hubspot_auth_base=settings.hubspot_auth_base.rstrip("/"),
            hubspot_api_base=settings.hubspot_api_base.rstrip("/"),
            fathom_client_id=settings.fathom_client_id, fathom_client_secret=settings.fathom_client_secret,
            fathom_auth_base=settings.fathom_auth_base.rstrip("/"),
            fathom_api_base=settings.fathom_api_base.rstrip("/"),
            aircall_api_base=settings.aircall_api_base.rstrip("/"),
        )
        values.update(overrides)
        return cls(**values)
