"""One settings object per process, read from the environment (and `.env`) when asked for."""

import getpass
from functools import lru_cache
from urllib.parse import quote

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: str = Field("development", alias="REVSYNC_ENV")
    # Unset: revsync starts and uses its embedded PostgreSQL under .revsync/pg/.
    database_url: str | None = Field(None, alias="DATABASE_URL")
    # libpq's own variables work too, when DATABASE_URL is unset and PGHOST is set.
    pghost: str | None = Field(None, alias="PGHOST")
    pgport: int = Field(5432, alias="PGPORT")
    pguser: str | None = Field(None, alias="PGUSER")
    pgpassword: str | None = Field(None, alias="PGPASSWORD")
    pgdatabase: str | None = Field(None, alias="PGDATABASE")
    # Where local state lives; unset: `.revsync/` in the checkout (see revsync.paths).
    home: str | None = Field(None, alias="REVSYNC_HOME")
    # Another PostgreSQL bin/ folder for the embedded server; unset: the bundled one.
    pg_bin: str | None = Field(None, alias="REVSYNC_PG_BIN")
    # Unset: a key is generated once into .revsync/secret.key (mode 0600).
    secret_key: str | None = Field(None, alias="REVSYNC_SECRET_KEY")

    # Provider hosts. They default to the real services; the demo and tests point them at
    # provider_sandbox. Authorize and API hosts differ at HubSpot and at Fathom.
    hubspot_api_base: str = Field("https://api.hubapi.com", alias="HUBSPOT_API_BASE")
    hubspot_auth_base: str = Field("https://app.hubspot.com", alias="HUBSPOT_AUTH_BASE")
    fathom_api_base: str = Field("https://api.fathom.ai", alias="FATHOM_API_BASE")
    fathom_auth_base: str = Field("https://fathom.video", alias="FATHOM_AUTH_BASE")
    aircall_api_base: str = Field("https://api.aircall.io", alias="AIRCALL_API_BASE")

    # OAuth app credentials, used to refresh a connection whose own secrets do not carry them
    # (one app per deployment; connections made through a per-account app store theirs).
    hubspot_client_id: str | None = Field(None, alias="HUBSPOT_CLIENT_ID")
    hubspot_client_secret: str | None = Field(None, alias="HUBSPOT_CLIENT_SECRET", repr=False)
    fathom_client_id: str | None = Field(None, alias="FATHOM_CLIENT_ID")
    fathom_client_secret: str | None = Field(None, alias="FATHOM_CLIENT_SECRET", repr=False)

    # The web app's public address: OAuth redirect URIs are built from it exactly
    # ({REVSYNC_WEB_URL}/callback/hubspot) and must be registered with the provider's app.
    web_url: str = Field("http://localhost:8000", alias="REVSYNC_WEB_URL")

    # Orchestration: the daily sync's time zone (an IANA name), the history a new connection
    # loads first, how many accounts sync at once (each account one at a time), and the first wait
    # before a failed sync is retried (then about 3 and 7 times as long).
    sync_timezone: str = Field("UTC", alias="REVSYNC_SYNC_TIMEZONE")
    initial_backfill_days: int = Field(90, alias="REVSYNC_INITIAL_BACKFILL_DAYS", ge=1)
    max_parallel_syncs: int = Field(4, alias="REVSYNC_MAX_PARALLEL_SYNCS", ge=1)
    sync_retry_delay_seconds: float = Field(60.0, alias="REVSYNC_SYNC_RETRY_DELAY_SECONDS", ge=0)

    @property
    def external_database_url(self) -> str | None:
        """The server to use instead of the embedded one: DATABASE_URL, else libpq's PG* variables."""
        if self.database_url:
            return self.database_url
        if self.pghost:
            user = quote(self.pguser or getpass.getuser())
            secret = f":{quote(self.pgpassword)}" if self.pgpassword else ""
            return f"postgresql://{user}{secret}@{self.pghost}:{self.pgport}/{quote(self.pgdatabase or user)}"
        return None

    @property
    def is_production(self) -> bool:
        return self.environment == "production"


@lru_cache
def get_settings() -> Settings:
    return Settings()
