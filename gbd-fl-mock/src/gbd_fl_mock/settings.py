"""Settings of gbd-fl-mock (environment: the common ones plus the population's seed and size)."""

from __future__ import annotations

from egov_kit.settings import SystemSettings
from pydantic import AliasChoices, Field

from gbd_fl_mock.domain.population import DEFAULT_SEED, DEFAULT_SIZE


class Settings(SystemSettings):
    system_id: str = "GBDFL"
    system_bin: str = "990140001233"
    organisation: str = "РГП «ГБД ФЛ» (песочница)"
    service_name: str = "gbd-fl-mock"
    port: int = 8101
    population_seed: int = Field(
        DEFAULT_SEED, validation_alias=AliasChoices("population_seed", "GBDFL_POPULATION_SEED")
    )
    population_size: int = Field(
        DEFAULT_SIZE, ge=0, validation_alias=AliasChoices("population_size", "GBDFL_POPULATION_SIZE")
    )
