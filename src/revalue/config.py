"""Settings, read from the environment (prefix ``REVALUE_``) and an optional ``.env`` file.

Every setting is documented here and in the README; a test fails when one is missing there.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REVALUE_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///revalue.db",
        description="SQLAlchemy URL. Default: a SQLite file in the working directory. "
        "Production: postgresql+psycopg://user:pass@host/db",
    )
    host: str = Field(default="127.0.0.1", description="Address `revalue serve` listens on.")
    port: int = Field(default=8000, description="Port `revalue serve` listens on.")
    workers: int = Field(default=1, description="Server processes for `revalue serve`.")
    place: str = Field(
        default="hq",
        description="Where this installation stands, written as the place of custody events.",
    )
    log_level: str = Field(default="info", description="Log level of the server.")
    public_url: str = Field(
        default="",
        description="The address the public reaches this installation at (e.g. "
        "https://tradein.example.com), for links in certificates' QR codes and messages. "
        "Default: the address each request came to.",
    )
    secrets_dir: str = Field(
        default="var/secrets",
        description="Directory of the installation's keys (webhook secret encryption, "
        "certificate signing), created at first use with owner-only permissions. "
        "Keep it out of backups of the database.",
    )
    session_hours: int = Field(default=12, description="Hours a staff sign-in lasts.")
    customer_link_days: int = Field(
        default=180, description="Days a customer's secret trade-in link stays valid."
    )
    evidence_dir: str = Field(
        default="var/evidence",
        description="Directory of the evidence photos, stored by content hash, created at "
        "first use with owner-only permissions. Back it up with the database: its rows "
        "point at these files.",
    )
    photo_max_bytes: int = Field(
        default=10 * 1024 * 1024,
        description="Largest evidence photo accepted, in bytes; a larger upload is refused "
        "while it is being read.",
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
