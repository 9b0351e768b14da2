"""Settings, read from the environment when the app or the CLI starts, never at import."""

import os
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_home() -> Path:
    """Where the embedded PostGIS keeps its data.

    As root the cluster runs as the `postgres` user, which cannot enter /root, so the data
    lives where Debian keeps service data.
    """
    if os.geteuid() == 0:
        return Path("/var/lib/urbanmap")
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "urbanmap"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="URBANMAP_", extra="ignore")

    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "URBANMAP_DATABASE_URL"),
        description="Any PostGIS 3 server; when unset urbanmap runs its own in `home`.",
    )
    home: Path = Field(default_factory=default_home, description="Embedded PostGIS data")
    pg_bin: Path | None = Field(default=None, description="PostgreSQL bin directory")
    host: str = Field(default="127.0.0.1", description="Address the map service binds")
    port: int = Field(default=8000, description="Port the map service listens on")
    db_pool_size: int = Field(
        default=40, ge=1, description="Database connections each service worker keeps open")
    cors_origins: list[str] = Field(
        default=["*"], description="Origins browsers may call the service from (JSON list)")
