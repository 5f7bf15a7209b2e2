"""The console's settings (``STRONGTRUSTS_CONSOLE_*``, beside the shared ``STRONGTRUSTS_*``).

The console has no database and no event log, so it does not take the services' settings,
whose production checks ask for both. It takes from them only what names the identity
provider (issuer, audience) and, in development, the HS256 secret it mints tokens with.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.keyfiles import generated_secret
from shared.settings import PROJECT_ROOT, SERVICE_PORTS, Settings

SESSION_SECRET_FILE = "console_session_secret"


def _local(service: str) -> str:
    return f"http://127.0.0.1:{SERVICE_PORTS[service]}"  # type: ignore[index]


class ConsoleSettings(BaseSettings):
    """Where the APIs are, how people sign in, and how the session cookie is kept."""

    model_config = SettingsConfigDict(
        env_prefix="STRONGTRUSTS_CONSOLE_", extra="ignore", frozen=True, populate_by_name=True
    )

    environment: Literal["development", "test", "production"] = Field(
        default="development", validation_alias="STRONGTRUSTS_ENVIRONMENT"
    )
    data_dir: Path = Field(default=PROJECT_ROOT / ".data", validation_alias="STRONGTRUSTS_DATA_DIR")

    registry_url: str = _local("registry")
    assessment_url: str = _local("assessment")
    commissioning_url: str = _local("commissioning")
    # Each call to an API gives up after this long and the page says which service is slow.
    api_timeout_s: float = 10.0
    # A GIAS snapshot (four CSV files) is uploaded through the console; the registry allows 256 MiB.
    max_upload_bytes: int = 256 * 1024 * 1024

    # Signs the session cookie; generated into data_dir in development and test.
    session_secret: str | None = None
    session_ttl_seconds: int = 8 * 3600

    # Sign-in. "development": choose a name and roles; the console signs an HS256 token with
    # the APIs' secret (STRONGTRUSTS_JWT_SECRET, or the one generated into data_dir).
    # "oidc": OpenID Connect (authorisation code flow) against the identity provider whose
    # RS256 tokens the APIs accept; the access token it issues is what the APIs are sent.
    sign_in: Literal["development", "oidc"] = "development"
    jwt_secret: str | None = Field(default=None, validation_alias="STRONGTRUSTS_JWT_SECRET")
    oidc_metadata_url: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_scope: str = "openid profile email"

    log_level: str = Field(default="INFO", validation_alias="STRONGTRUSTS_LOG_LEVEL")

    # GOV.UK Frontend's built files, installed by `make install` (npm ci) into node_modules.
    frontend_dir: Path = PROJECT_ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> ConsoleSettings:
        if self.environment == "production":
            if not self.session_secret or len(self.session_secret) < 32:
                raise ValueError(
                    "production needs STRONGTRUSTS_CONSOLE_SESSION_SECRET of 32+ characters"
                )
            if self.sign_in != "oidc":
                raise ValueError(
                    "production signs in with OpenID Connect: STRONGTRUSTS_CONSOLE_SIGN_IN=oidc"
                )
            if not (self.oidc_metadata_url and self.oidc_client_id and self.oidc_client_secret):
                raise ValueError(
                    "OpenID Connect needs STRONGTRUSTS_CONSOLE_OIDC_METADATA_URL, _CLIENT_ID"
                    " and _CLIENT_SECRET"
                )
        return self

    @property
    def secure_cookies(self) -> bool:
        """Cookies are sent over HTTPS only, except on a developer's own machine."""
        return self.environment == "production"

    def signing_key(self) -> str:
        """The session cookie's signing key."""
        if self.session_secret:
            return self.session_secret
        return generated_secret(
            self.data_dir / SESSION_SECRET_FILE, lambda: secrets.token_urlsafe(48)
        )

    def token_settings(self) -> Settings:
        """The services' settings as far as signing a development token needs them."""
        if self.sign_in != "development" or self.environment == "production":
            raise RuntimeError("development tokens are minted only in development and test")
        return Settings(
            environment=self.environment, jwt_secret=self.jwt_secret, data_dir=self.data_dir
        )


@lru_cache(maxsize=1)
def get_console_settings() -> ConsoleSettings:
    """The process-wide console settings, read once."""
    return ConsoleSettings()
