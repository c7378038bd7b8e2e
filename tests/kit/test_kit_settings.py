"""Settings from the environment (`egov_kit.settings`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from egov_kit.settings import CommonSettings, ServiceSettings, SystemSettings

REPO = Path(__file__).resolve().parents[2]

ENVIRONMENT = [
    "AMQP_URL",
    "EGOV_AMQP_URL",
    "SHEP_URL",
    "NUC_URL",
    "DATABASE_URL",
    "EGOV_VAR_DIR",
    "PORT",
    "HOST",
    "SHEP_SENDER_PASSWORD",
    "EGOV_CLOCK_OFFSET_SECONDS",
    "EGOV_CLOCK_SPEED",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "SERVICE_NAME",
    "SYSTEM_ID",
    "VAR_DIR",
    "SENDER_PASSWORD",
]


class PortalSettings(ServiceSettings):
    service_name: str = "egov-portal-test"
    port: int = 8101


class PortalSystem(SystemSettings):
    service_name: str = "egov-portal-test"
    port: int = 8101
    system_id: str = "EGOV-PORTAL"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


def test_defaults_without_environment() -> None:
    settings = ServiceSettings()
    assert settings.amqp_url == "amqp://guest:guest@127.0.0.1:5672/"
    assert settings.shep_url == "http://127.0.0.1:8100"
    assert settings.nuc_url == "http://127.0.0.1:8103"
    assert settings.database_url is None
    assert settings.var_dir == REPO / "var"
    assert settings.host == "127.0.0.1"
    assert settings.port == 0
    assert settings.clock_offset_seconds == 0.0
    assert settings.clock_speed == 1.0
    assert settings.otlp_endpoint is None


def test_urls_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AMQP_URL", "amqp://u:p@broker:5672/vhost")
    monkeypatch.setenv("SHEP_URL", "http://shep:8100")
    monkeypatch.setenv("NUC_URL", "http://nuc:8103")
    monkeypatch.setenv("DATABASE_URL", "postgresql://egov@db/egov")
    monkeypatch.setenv("EGOV_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("HOST", "10.0.0.5")
    settings = PortalSettings()
    assert settings.amqp_url == "amqp://u:p@broker:5672/vhost"
    assert settings.shep_url == "http://shep:8100"
    assert settings.nuc_url == "http://nuc:8103"
    assert settings.database_url == "postgresql://egov@db/egov"
    assert settings.db_url == "postgresql://egov@db/egov"
    assert settings.var_dir == tmp_path
    assert settings.host == "10.0.0.5"


def test_egov_amqp_url_is_an_alternative_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EGOV_AMQP_URL", "amqp://alt/")
    assert CommonSettings().amqp_url == "amqp://alt/"
    monkeypatch.setenv("AMQP_URL", "amqp://main/")
    assert CommonSettings().amqp_url == "amqp://main/"


def test_clock_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EGOV_CLOCK_OFFSET_SECONDS", "-3600")
    monkeypatch.setenv("EGOV_CLOCK_SPEED", "60")
    settings = CommonSettings()
    assert settings.clock_offset_seconds == -3600.0
    assert settings.clock_speed == 60.0


def test_db_url_defaults_to_sqlite_in_the_state_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("EGOV_VAR_DIR", str(tmp_path / "var"))
    settings = PortalSettings()
    state = tmp_path / "var" / "egov-portal-test"
    assert not state.exists()
    assert settings.db_url == f"sqlite:///{state / 'db.sqlite'}"
    assert state.is_dir()
    assert settings.state_dir == state


def test_state_dir_is_per_service(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("EGOV_VAR_DIR", str(tmp_path))

    class Other(ServiceSettings):
        service_name: str = "other-service"

    assert Other().state_dir == tmp_path / "other-service"
    assert PortalSettings().state_dir == tmp_path / "egov-portal-test"
    assert Other().db_url != PortalSettings().db_url


def test_subclass_port_is_kept_without_port_variable() -> None:
    assert PortalSettings().port == 8101


def test_port_variable_overrides_the_subclass_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "18101")
    assert PortalSettings().port == 18101
    assert PortalSystem().port == 18101


def test_empty_port_variable_keeps_the_subclass_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "")
    assert PortalSettings().port == 8101


def test_shep_password_defaults_to_the_lowercased_system_id() -> None:
    assert PortalSystem().shep_password == "egov-portal-dev-secret"


def test_shep_sender_password_overrides_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHEP_SENDER_PASSWORD", "s3cret-from-vault")
    settings = PortalSystem()
    assert settings.sender_password == "s3cret-from-vault"
    assert settings.shep_password == "s3cret-from-vault"
