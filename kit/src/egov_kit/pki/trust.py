"""The trust store: nuc-mock's root and issuing CA certificates, downloaded once and cached.

``fetch_trust`` downloads ``/ca/root.pem`` and ``/ca/issuing.pem`` from nuc-mock the first time and
keeps them under ``var/pki/trust/``; later calls read the cache (``refresh=True`` downloads again,
which is what to do after nuc-mock's CA was re-created). ``load_trust`` only reads the cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography import x509

from egov_kit.pki.errors import KeyStoreError, TrustStoreUnavailable
from egov_kit.pki.keys import certificates_pem, load_certificates_pem, write_atomic

ROOT_FILE = "root.pem"
ISSUING_FILE = "issuing.pem"


def trust_dir(var_dir: Path | str) -> Path:
    return Path(var_dir) / "pki" / "trust"


def crl_cache_dir(var_dir: Path | str) -> Path:
    """Where a process keeps the CRLs its validator downloaded."""
    return Path(var_dir) / "pki" / "crl-cache"


@dataclass(frozen=True)
class TrustStore:
    """The root (trust anchor) and the issuing CA (known intermediate) of НУЦ РК."""

    root: x509.Certificate
    issuing: x509.Certificate

    def __post_init__(self) -> None:
        try:
            self.root.verify_directly_issued_by(self.root)
        except Exception as exc:
            raise TrustStoreUnavailable(f"the root CA certificate is not self-signed: {exc}") from exc
        try:
            self.issuing.verify_directly_issued_by(self.root)
        except Exception as exc:
            raise TrustStoreUnavailable(
                f"the issuing CA certificate is not signed by the root: {exc}"
            ) from exc

    @property
    def anchors(self) -> list[x509.Certificate]:
        return [self.root]

    @property
    def intermediates(self) -> list[x509.Certificate]:
        return [self.issuing]

    def chain(self) -> list[x509.Certificate]:
        """What end-entity certificates carry above them: issuing CA, then root."""
        return [self.issuing, self.root]

    def save(self, var_dir: Path | str) -> Path:
        directory = trust_dir(var_dir)
        write_atomic(directory / ROOT_FILE, certificates_pem([self.root]))
        write_atomic(directory / ISSUING_FILE, certificates_pem([self.issuing]))
        return directory


def _one_certificate(data: bytes, what: str) -> x509.Certificate:
    try:
        certs = load_certificates_pem(data)
    except KeyStoreError as exc:
        raise TrustStoreUnavailable(f"{what}: {exc.message}") from exc
    if len(certs) != 1:
        raise TrustStoreUnavailable(f"{what}: expected one PEM certificate, found {len(certs)}")
    return certs[0]


def load_trust(var_dir: Path | str) -> TrustStore:
    """The cached trust store, or :class:`TrustStoreUnavailable` when it was never fetched."""
    directory = trust_dir(var_dir)
    try:
        root = (directory / ROOT_FILE).read_bytes()
        issuing = (directory / ISSUING_FILE).read_bytes()
    except OSError as exc:
        raise TrustStoreUnavailable(f"no cached trust store in {directory}: {exc}") from exc
    return TrustStore(
        _one_certificate(root, str(directory / ROOT_FILE)),
        _one_certificate(issuing, str(directory / ISSUING_FILE)),
    )


async def download_trust(
    nuc_url: str, *, transport: httpx.AsyncBaseTransport | None = None, http_timeout: float = 10.0
) -> TrustStore:
    """Download the CA certificates from nuc-mock without caching them."""
    base = nuc_url.rstrip("/")
    try:
        async with httpx.AsyncClient(transport=transport, timeout=http_timeout) as client:
            root_response = await client.get(f"{base}/ca/root.pem")
            issuing_response = await client.get(f"{base}/ca/issuing.pem")
    except httpx.HTTPError as exc:
        raise TrustStoreUnavailable(f"nuc-mock at {base} is unreachable: {exc}") from exc
    for response in (root_response, issuing_response):
        if response.status_code != 200:
            raise TrustStoreUnavailable(f"{response.request.url} answered HTTP {response.status_code}")
    return TrustStore(
        _one_certificate(root_response.content, f"{base}/ca/root.pem"),
        _one_certificate(issuing_response.content, f"{base}/ca/issuing.pem"),
    )


async def fetch_trust(
    nuc_url: str,
    var_dir: Path | str,
    *,
    refresh: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
) -> TrustStore:
    """The trust store from ``var/pki/trust/``, downloaded from nuc-mock first when absent."""
    if not refresh:
        try:
            return load_trust(var_dir)
        except TrustStoreUnavailable:
            pass
    trust = await download_trust(nuc_url, transport=transport)
    trust.save(var_dir)
    return trust
