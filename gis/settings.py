"""Settings of the spatial core, read from ``WANGGE_*`` environment variables.

Settings are passed into ``gis`` and ``tiles`` functions as arguments; nothing
reads a module-level singleton, so tests can build as many as they like.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class DatabaseSettings(BaseSettings):
    """Where the database lives.

    ``WANGGE_DATABASE_URL`` unset means the embedded cluster under
    ``WANGGE_DATA_DIR`` (default ``./.wangge``), started on demand.
    """

    model_config = SettingsConfigDict(env_prefix="WANGGE_", extra="ignore")

    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL of an existing PostGIS database."
    )
    api_database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL the API signs in with, as a role that owns no table and "
        "does not bypass row-level security. Unset: the role wangge_api, whose password the "
        "owner sets from the secret key at the API's start (gis.db.api_role).",
    )
    data_dir: Path = Field(
        default=Path(".wangge"), description="Directory of the embedded cluster and caches."
    )
    secret_key: str | None = Field(
        default=None,
        description="Key that protects ID numbers and phones at rest; "
        "the embedded cluster generates and keeps one when unset.",
    )
    pool_size: int = Field(
        default=4,
        ge=1,
        description="Database connections per API worker. On two cores, 4 served the "
        "drill-down 50% faster than 20: more only run more queries at once on the same cores.",
    )
    pool_timeout_s: float = Field(
        default=10.0, gt=0, description="How long a request waits for a connection before a 503."
    )
    # Set on the API's connections only (``gis.db.engine.session_options``), not the workers':
    # a job may rightly run a long statement, a request may not hold a connection for one.
    statement_timeout_s: float = Field(
        default=30.0,
        ge=0,
        description="The API's statements are cancelled after this long (a 504 problem); "
        "0 turns the limit off.",
    )
    idle_in_transaction_timeout_s: float = Field(
        default=60.0,
        ge=0,
        description="An API connection idle inside a transaction this long is closed by the "
        "server, releasing its locks; 0 turns the limit off.",
    )


class ApiSettings(BaseSettings):
    """The HTTP API: ``WANGGE_API_*``."""

    model_config = SettingsConfigDict(env_prefix="WANGGE_API_", extra="ignore")

    max_body_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        description="Request bodies larger than this are refused with 413 before they are read.",
    )
    # Reads of households' members, per user and per API worker process (api/limits.py):
    # generous for a grid worker's visits, far short of copying a district's residents.
    household_reads_per_minute: int = Field(
        default=60, ge=1, description="Households whose members one user may read per minute."
    )
    household_reads_per_day: int = Field(
        default=2_000, ge=1, description="Households whose members one user may read per day."
    )
    household_buildings_per_hour: int = Field(
        default=200,
        ge=1,
        description="Distinct buildings whose households one user may read per hour; "
        "more is a walk through the register and is refused.",
    )


class TileSettings(BaseSettings):
    """Tile serving: ``WANGGE_TILES_*``."""

    model_config = SettingsConfigDict(env_prefix="WANGGE_TILES_", extra="ignore")

    cache_mb: int = Field(
        default=64, ge=0, description="In-process tile cache size; 0 turns caching off."
    )


class JobSettings(BaseSettings):
    """Durable jobs: ``WANGGE_JOBS_*``."""

    model_config = SettingsConfigDict(env_prefix="WANGGE_JOBS_", extra="ignore")

    keep_hours: float = Field(
        default=168, gt=0, description="Finished jobs are pruned after this many hours."
    )
    max_timeout_s: int = Field(
        default=900, ge=10, description="No job runs longer than this, whatever its kind allows."
    )
    workers: int = Field(
        default=1, ge=0, description="Worker processes `wangge serve` starts beside the API."
    )
    warm_up: bool = Field(
        default=True,
        description="Compile the analyses' kernels when a worker starts (about 30 s), so a "
        "user's first analysis does not wait for it.",
    )


class StreamSettings(BaseSettings):
    """The live stream of incidents (``GET /api/v1/stream``): ``WANGGE_STREAM_*``."""

    model_config = SettingsConfigDict(env_prefix="WANGGE_STREAM_", extra="ignore")

    heartbeat_s: float = Field(
        default=15.0,
        gt=0,
        description="A `: ping` comment goes to each client this often, so proxies keep "
        "an idle stream open.",
    )
    queue_events: int = Field(
        default=2_000,
        ge=10,
        description="Events waiting for one client at most; a client that falls further "
        "behind is sent `event: reset` and reconnects with its Last-Event-ID.",
    )
    send_timeout_s: float = Field(
        default=30.0,
        gt=0,
        description="A client that takes no bytes for this long is disconnected.",
    )
    page: int = Field(
        default=500,
        ge=1,
        le=10_000,
        description="Events read from the outbox per statement (replay and the listener).",
    )
    batch_ms: float = Field(
        default=20.0,
        ge=0,
        le=1000,
        description="After a notification the listener waits this long before it reads, so "
        "that a burst goes to each client in one write: at 200 events/s and 100 clients, "
        "20 ms cut the API's CPU 2.9-fold for 12 ms more latency (docs/stream.md).",
    )
    poll_s: float = Field(
        default=5.0,
        gt=0,
        description="With no notification for this long the listener reads the outbox "
        "anyway: a lost notification costs at most this, and a dead connection is found.",
    )
    reconnect_max_s: float = Field(
        default=5.0,
        gt=0,
        description="The longest wait between the listener's attempts to reconnect "
        "(it starts at 0.1 s and doubles).",
    )
    rescope_s: float = Field(
        default=60.0,
        gt=0,
        description="Each stream reads its user's scope again this often: a changed scope "
        "applies, a disabled user's stream goes quiet.",
    )
    keep_days: float = Field(
        default=7.0,
        gt=0,
        description="Events older than this are pruned by the workers' housekeeping; a "
        "client away longer reloads instead of replaying.",
    )


class CameraSettings(BaseSettings):
    """Camera health and streams: ``WANGGE_CAMERAS_*``."""

    model_config = SettingsConfigDict(env_prefix="WANGGE_CAMERAS_", extra="ignore")

    offline_after_s: float = Field(
        default=300.0,
        ge=30,
        description="A camera that has sent heartbeats and then none for this long is "
        "marked offline by the workers' housekeeping (gis.cameras.health).",
    )
