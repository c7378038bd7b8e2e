"""Settings from the environment (pydantic-settings), shared by every service.

Each service subclasses :class:`ServiceSettings` and sets ``service_name`` and ``port``. Local state
lives under ``EGOV_VAR_DIR`` (default ``var/`` of the checkout); the database defaults to a SQLite
file there and is PostgreSQL in compose through ``DATABASE_URL``.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_var_dir() -> Path:
    # The checkout root is the first parent holding the workspace's pyproject and kit/.
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "kit" / "pyproject.toml").exists() and (parent / "pyproject.toml").exists():
            return parent / "var"
    return Path.cwd() / "var"


class CommonSettings(BaseSettings):
    """What every process (service, CLI, test) shares."""

    # Empty variables count as unset (an empty PORT keeps the documented port).
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True, env_ignore_empty=True)

    var_dir: Path = Field(default_factory=_default_var_dir, validation_alias=AliasChoices("EGOV_VAR_DIR"))
    amqp_url: str = Field(
        "amqp://guest:guest@127.0.0.1:5672/", validation_alias=AliasChoices("AMQP_URL", "EGOV_AMQP_URL")
    )
    shep_url: str = Field("http://127.0.0.1:8100", validation_alias=AliasChoices("SHEP_URL"))
    nuc_url: str = Field("http://127.0.0.1:8103", validation_alias=AliasChoices("NUC_URL"))
    clock_offset_seconds: float = Field(0.0, validation_alias=AliasChoices("EGOV_CLOCK_OFFSET_SECONDS"))
    clock_speed: float = Field(1.0, validation_alias=AliasChoices("EGOV_CLOCK_SPEED"))
    otlp_endpoint: str | None = Field(None, validation_alias=AliasChoices("OTEL_EXPORTER_OTLP_ENDPOINT"))


class ServiceSettings(CommonSettings):
    """A running service: its name, where it listens and where its database is."""

    service_name: str = "egov-service"
    host: str = Field("127.0.0.1", validation_alias=AliasChoices("HOST"))
    port: int = 0
    database_url: str | None = Field(None, validation_alias=AliasChoices("DATABASE_URL"))

    @model_validator(mode="after")
    def _port_from_environment(self) -> ServiceSettings:
        # Subclasses fix their documented port; the supervisor may move a whole landscape (tests).
        if os.environ.get("PORT"):
            self.port = int(os.environ["PORT"])
        return self

    @property
    def state_dir(self) -> Path:
        path = self.var_dir / self.service_name
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.state_dir / 'db.sqlite'}"


class SystemSettings(ServiceSettings):
    """A service that is also an information system registered in ШЭП (it has a certificate)."""

    system_id: str = ""
    system_bin: str = ""
    organisation: str = ""
    sender_password: str | None = Field(None, validation_alias=AliasChoices("SHEP_SENDER_PASSWORD"))

    @property
    def shep_password(self) -> str:
        return self.sender_password or f"{self.system_id.lower()}-dev-secret"
