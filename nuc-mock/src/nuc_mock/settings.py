"""nuc-mock's settings: the common service settings plus CRL/OCSP timing and the OCSP signer."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from egov_kit.settings import ServiceSettings
from pydantic import AliasChoices, Field


class Settings(ServiceSettings):
    """Environment: ``NUC_URL`` (the public URL written into certificates), ``EGOV_VAR_DIR``, …"""

    service_name: str = "nuc-mock"
    port: int = 8103
    crl_validity_seconds: int = Field(3600, validation_alias=AliasChoices("NUC_CRL_VALIDITY_SECONDS"))
    ocsp_validity_seconds: int = Field(600, validation_alias=AliasChoices("NUC_OCSP_VALIDITY_SECONDS"))
    ocsp_signer: Literal["delegated", "issuer"] = Field(
        "delegated", validation_alias=AliasChoices("NUC_OCSP_SIGNER")
    )
    certificate_lifetime_days: int = Field(
        365, validation_alias=AliasChoices("NUC_CERTIFICATE_LIFETIME_DAYS")
    )

    @property
    def ca_dir(self) -> Path:
        """Where the CA keys live (``var/pki/ca/``)."""
        return self.var_dir / "pki" / "ca"

    @property
    def public_url(self) -> str:
        """The URL other processes reach nuc-mock at; CRL and OCSP locations in certificates use it."""
        return self.nuc_url.rstrip("/")
