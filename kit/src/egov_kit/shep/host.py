"""Start-up of an information system: telemetry, trust, its own certificate, validator, bus.

Every provider service (ГБД ФЛ, ЕНИС, РПН, …) and every client system (portal, ИИС ГК) boots the
same way; this module is that one way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from egov_kit.bus import SqlIdempotencyStore
from egov_kit.db import create_engine_for
from egov_kit.pki import CertificateValidator, KeyPair, crl_cache_dir, ensure_system_identity, fetch_trust
from egov_kit.settings import SystemSettings
from egov_kit.shep.client import ShepClient
from egov_kit.shep.provider import AsyncHandler, ProviderRuntime, SyncHandler
from egov_kit.telemetry import setup_telemetry


@dataclass
class SystemIdentity:
    keypair: KeyPair
    validator: CertificateValidator


async def boot_identity(settings: SystemSettings) -> SystemIdentity:
    setup_telemetry(settings.service_name, otlp_endpoint=settings.otlp_endpoint)
    trust = await fetch_trust(settings.nuc_url, settings.var_dir)
    keypair = await ensure_system_identity(
        settings.system_id,
        bin=settings.system_bin,
        organisation=settings.organisation,
        nuc_url=settings.nuc_url,
        var_dir=settings.var_dir,
        # ECDSA P-256 (allowed beside RSA): systems sign every hop, and it signs ~3x faster.
        key_kind="ec",
    )
    validator = CertificateValidator.from_trust(trust, crl_cache_dir=crl_cache_dir(settings.var_dir))
    return SystemIdentity(keypair, validator)


def shep_client(settings: SystemSettings, identity: SystemIdentity) -> ShepClient:
    return ShepClient(
        gateway_url=settings.shep_url,
        sender_id=settings.system_id,
        password=settings.shep_password,
        keypair=identity.keypair,
        validator=identity.validator,
    )


@dataclass
class ProviderHost:
    """Runs a provider's ШЭП handlers for as long as the service lives."""

    settings: SystemSettings
    sync_handlers: Mapping[str, SyncHandler] = field(default_factory=dict)
    async_handlers: Mapping[str, AsyncHandler] = field(default_factory=dict)
    runtime: ProviderRuntime | None = None
    identity: SystemIdentity | None = None

    async def start(self) -> ProviderRuntime:
        self.identity = await boot_identity(self.settings)
        idempotency = None
        client = None
        if self.async_handlers:
            idempotency = SqlIdempotencyStore(
                create_engine_for(self.settings.db_url), self.settings.system_id
            )
            client = shep_client(self.settings, self.identity)
        self.runtime = ProviderRuntime(
            system_id=self.settings.system_id,
            keypair=self.identity.keypair,
            validator=self.identity.validator,
            amqp_url=self.settings.amqp_url,
            sync_handlers=self.sync_handlers,
            async_handlers=self.async_handlers,
            idempotency=idempotency,
            shep_client=client,
        )
        await self.runtime.start()
        return self.runtime

    @property
    def ready(self) -> bool:
        return self.runtime is not None and self.runtime.ready

    async def stop(self) -> None:
        if self.runtime is not None:
            await self.runtime.stop()
            if self.runtime.shep_client is not None:
                await self.runtime.shep_client.aclose()
        if self.identity is not None:
            await self.identity.validator.aclose()
