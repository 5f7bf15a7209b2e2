"""Settings for every service, read from the environment (prefix ``STRONGTRUSTS_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.authority.claims import ClaimMap

PROJECT_ROOT = Path(__file__).resolve().parent.parent

ServiceName = Literal["registry", "assessment", "commissioning"]
SERVICE_PORTS: dict[ServiceName, int] = {
    "registry": 8001,
    "assessment": 8002,
    "commissioning": 8003,
}
# The console (services/console) is a client of the three, not a service of the log.
CONSOLE_PORT = 8000


class Settings(BaseSettings):
    """Runtime configuration. Secrets are refused unless set explicitly outside development."""

    model_config = SettingsConfigDict(env_prefix="STRONGTRUSTS_", extra="ignore", frozen=True)

    environment: Literal["development", "test", "production"] = "development"

    # With no DATABASE_URL an embedded PostgreSQL is started under data_dir/postgres.
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "STRONGTRUSTS_DATABASE_URL")
    )
    data_dir: Path = PROJECT_ROOT / ".data"
    # DATABASE_URL is the owner's: migrations run with it. Each service (and the audit
    # worker) connects as its own role (see shared/ownership.py) through its own URL. In
    # development and tests a missing one is derived from DATABASE_URL with the role's name
    # and ``database_role_password`` (generated into data_dir when unset); production needs
    # each URL set.
    registry_database_url: str | None = None
    assessment_database_url: str | None = None
    commissioning_database_url: str | None = None
    audit_database_url: str | None = None
    publisher_database_url: str | None = None
    database_role_password: str | None = None
    pool_min_size: int = 1
    pool_max_size: int = 10
    # A writer that leaves a transaction open holds back every reader's horizon.
    idle_in_transaction_timeout_ms: int = 30_000

    # Auth: HS256 with this secret (generated into data_dir on first run in development), or
    # RS256 against a JWKS URL for a production identity provider.
    jwt_secret: str | None = None
    jwt_algorithm: Literal["HS256", "RS256"] = "HS256"
    jwt_jwks_url: str | None = None
    jwt_issuer: str = "strongtrusts"
    jwt_audience: str = "strongtrusts"
    token_ttl_seconds: int = 8 * 3600
    # A production identity provider's claims (Entra ID app roles, group object ids) mapped
    # to roles and scopes, as JSON (shared/authority/claims.py says the shape). Unset: the
    # token's own `roles` and `scopes` claims are read, as development tokens carry them.
    jwt_claim_map: str | None = None
    # How long a service keeps its authority table before reading the log again: a version
    # published through another replica takes effect here within this many seconds.
    authority_refresh_s: float = 10.0

    # Audit: the Ed25519 key that signs checkpoints of the global hash chain, as the
    # base64url of its 32-byte private seed (generated into data_dir in development).
    audit_signing_key: str | None = None

    # Subscriptions: LISTEN/NOTIFY wakes consumers; this poll is the fallback.
    poll_interval_s: float = 0.5
    consumer_batch_size: int = 500
    consumer_max_attempts: int = 5

    # Read-your-writes: a write answers once this service's read models have taken it in,
    # waiting at most this long (then it answers anyway, with its X-Log-Position); a read
    # sending X-Log-Position waits at most read_wait_timeout_s, then answers 503.
    write_wait_timeout_s: float = 2.0
    read_wait_timeout_s: float = 5.0
    # Scheduled pulls of DfE's feeds (the registry's feed worker runs where a base URL is set).
    # Files are named by date under the base URL (GIAS: edubasealldataYYYYMMDD.csv and its
    # three siblings; Ofsted: the templates below, {date} being YYYYMMDD).
    feeds_gias_base_url: str | None = None
    feeds_gias_schedule: str = "daily 06:00"
    feeds_gias_lookback_days: int = Field(default=7, ge=0)
    feeds_ofsted_base_url: str | None = None
    feeds_ofsted_schedule: str = "daily 06:30"
    feeds_ofsted_lookback_days: int = Field(default=62, ge=0)
    feeds_ofsted_files: tuple[str, ...] = ("ofsted_mi_legacy_{date}.csv", "ofsted_mi_{date}.csv")
    # Fetched files are kept here until their snapshot is applied or discarded.
    feeds_dir: Path | None = None
    feeds_max_file_bytes: int = Field(default=512 * 1024 * 1024, gt=0)
    feeds_attempts: int = Field(default=4, ge=1)
    feeds_retry_base_s: float = Field(default=2.0, ge=0)
    feeds_timeout_s: float = Field(default=60.0, gt=0)
    # The drift guard: a snapshot that would close or remove more than this share of the
    # open schools (or trusts), or move more schools out of their trust, is held.
    feeds_max_closed_share: float = Field(default=0.02, ge=0, le=1)
    feeds_max_moved_schools: int = Field(default=100, ge=0)

    # Every event published to NATS JetStream where a URL is set (shared/publisher).
    nats_url: str | None = None
    nats_stream: str = "STRONGTRUSTS"
    nats_subject_prefix: str = "strongtrusts"
    # How long JetStream remembers a message id to drop a re-send (its de-duplication).
    nats_duplicate_window_s: float = Field(default=3600.0, gt=0)
    nats_ack_timeout_s: float = Field(default=10.0, gt=0)
    publisher_batch_size: int = Field(default=2000, gt=0)

    log_level: str = "INFO"
    max_request_bytes: int = 1_048_576

    @model_validator(mode="after")
    def _claim_map_is_readable(self) -> Settings:
        # A map naming an unknown role or scope stops the service here, at start-up, rather
        # than refusing people one by one later.
        if self.jwt_claim_map is not None:
            claim_map(self)
        return self

    @model_validator(mode="after")
    def _refuse_weak_production_secrets(self) -> Settings:
        if self.environment == "production":
            if self.jwt_algorithm == "HS256" and (not self.jwt_secret or len(self.jwt_secret) < 32):
                raise ValueError("production needs STRONGTRUSTS_JWT_SECRET of 32+ characters")
            if self.jwt_algorithm == "RS256" and not self.jwt_jwks_url:
                raise ValueError("RS256 needs STRONGTRUSTS_JWT_JWKS_URL")
            if not self.audit_signing_key:
                raise ValueError("production needs STRONGTRUSTS_AUDIT_SIGNING_KEY")
            if self.database_url is None and not any(
                (
                    self.registry_database_url,
                    self.assessment_database_url,
                    self.commissioning_database_url,
                    self.audit_database_url,
                    self.publisher_database_url,
                )
            ):
                raise ValueError(
                    "production needs DATABASE_URL (to migrate) or a service's own"
                    " STRONGTRUSTS_<SERVICE>_DATABASE_URL; the embedded database is for"
                    " development"
                )
        return self


def claim_map(settings: Settings) -> ClaimMap | None:
    """The configured claim map, parsed (once per distinct text); None when unset."""
    return None if settings.jwt_claim_map is None else _parse_claim_map(settings.jwt_claim_map)


@lru_cache(maxsize=8)
def _parse_claim_map(text: str) -> ClaimMap:
    return ClaimMap.model_validate_json(text)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
