"""Who the CLI speaks as: the built-in test integrator system, or any registered system."""

from __future__ import annotations

from egov_kit.settings import SystemSettings
from egov_kit.shep.client import ShepClient
from egov_kit.shep.host import boot_identity, shep_client
from pydantic import AliasChoices, Field

TEST_INTEGRATOR_ID = "TEST_INTEGRATOR"
TEST_INTEGRATOR_BIN = "200840009995"
TEST_INTEGRATOR_PASSWORD = "test-integrator-secret"  # noqa: S105 (documented test credential)


class CliSettings(SystemSettings):
    service_name: str = "egov-cli"
    system_id: str = Field(TEST_INTEGRATOR_ID, validation_alias=AliasChoices("EGOV_CLI_SYSTEM_ID"))
    system_bin: str = Field(TEST_INTEGRATOR_BIN, validation_alias=AliasChoices("EGOV_CLI_SYSTEM_BIN"))
    organisation: str = "ТОО «Тестовый интегратор»"
    sender_password: str | None = Field(
        TEST_INTEGRATOR_PASSWORD, validation_alias=AliasChoices("EGOV_CLI_SENDER_PASSWORD")
    )


async def open_client(settings: CliSettings) -> ShepClient:
    """A ШЭП client signing with this system's certificate (enrolled with nuc-mock on first use)."""
    return shep_client(settings, await boot_identity(settings))
