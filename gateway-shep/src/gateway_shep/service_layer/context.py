"""Everything the gateway's handlers need, wired once at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from egov_kit.pki import CertificateValidator, KeyPair

from gateway_shep.adapters.bus import GatewayBus
from gateway_shep.adapters.database import GatewayStore
from gateway_shep.adapters.journal_writer import JournalWriter
from gateway_shep.domain.registry import Registry
from gateway_shep.settings import Settings


@dataclass
class GatewayContext:
    settings: Settings
    registry: Registry
    store: GatewayStore
    bus: GatewayBus
    keypair: KeyPair
    validator: CertificateValidator
    journal: JournalWriter
