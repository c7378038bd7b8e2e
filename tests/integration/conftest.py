"""Fixtures for tests through the running landscape: the test integrator, certificates, the echo provider."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from egov_cli.echo import echo_host
from egov_cli.identity import TEST_INTEGRATOR_BIN, CliSettings
from egov_cli.landscape import Landscape
from egov_kit.clock import now
from egov_kit.pki import KeyPair
from egov_kit.shep.client import ShepClient
from egov_kit.shep.host import ProviderHost, SystemIdentity, boot_identity, shep_client

pytestmark = pytest.mark.integration


def cli_settings(landscape: Landscape, **overrides: Any) -> CliSettings:
    values: dict[str, Any] = {
        "var_dir": landscape.var_dir,
        "shep_url": landscape.url("gateway-shep"),
        "nuc_url": landscape.url("nuc-mock"),
        "amqp_url": landscape.amqp_url,
    }
    values.update(overrides)
    return CliSettings(**values)


@pytest.fixture(scope="session")
def settings(landscape: Landscape) -> CliSettings:
    return cli_settings(landscape)


@pytest.fixture(scope="session")
async def identity(settings: CliSettings) -> AsyncIterator[SystemIdentity]:
    booted = await boot_identity(settings)
    yield booted
    await booted.validator.aclose()


@pytest.fixture(scope="session")
async def integrator(settings: CliSettings, identity: SystemIdentity) -> AsyncIterator[ShepClient]:
    client = shep_client(settings, identity)
    yield client
    await client.aclose()


@pytest.fixture
async def echo_provider(landscape: Landscape) -> AsyncIterator[ProviderHost]:
    """The test integrator serving TEST_EchoSync / TEST_SlowSync / TEST_EchoAsync (its own state dir)."""
    host = echo_host(cli_settings(landscape))
    await host.start()
    yield host
    await host.stop()


@dataclass
class Nuc:
    """nuc-mock's HTTP API, to issue the certificates a test needs (expired, revoked, foreign …)."""

    url: str

    def issue(self, **request: Any) -> tuple[KeyPair, str]:
        for key in ("not_before", "not_after"):
            if isinstance(request.get(key), datetime):
                request[key] = request[key].isoformat()
        response = httpx.post(f"{self.url}/api/certificates", json=request, timeout=30)
        response.raise_for_status()
        body = response.json()
        key = serialization.load_pem_private_key(body["key_pem"].encode(), password=None)
        cert = x509.load_pem_x509_certificate(body["cert_pem"].encode())
        chain = x509.load_pem_x509_certificates(body["chain_pem"].encode())
        return KeyPair(key, cert, list(chain)), body["serial"]  # type: ignore[arg-type]

    def system(self, system_id: str, bin_: str, **extra: Any) -> tuple[KeyPair, str]:
        return self.issue(
            kind="system", system_id=system_id, bin=bin_, organisation=f"{system_id} test", **extra
        )

    def integrator(self, **extra: Any) -> KeyPair:
        return self.system("TEST_INTEGRATOR", TEST_INTEGRATOR_BIN, **extra)[0]

    def revoke(self, serial: str) -> None:
        httpx.post(
            f"{self.url}/api/certificates/{serial}/revoke", json={"reason": "key_compromise"}, timeout=30
        ).raise_for_status()


@pytest.fixture(scope="session")
def nuc(landscape: Landscape) -> Nuc:
    return Nuc(landscape.url("nuc-mock"))


def in_days(days: float) -> datetime:
    return now() + timedelta(days=days)
