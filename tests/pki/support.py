"""Test harness for the PKI tests: nuc-mock in-process, transports that fail on purpose, rogue CAs.

``Nuc`` wraps nuc-mock's real FastAPI app behind ``httpx.ASGITransport``: OCSP and CRL bytes in these
tests are the real protocol. ``FaultyTransport`` sits in front of it to take OCSP or the CRL down.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from egov_kit.clock import now
from egov_kit.pki import CertificateValidator, KeyPair, SubjectSpec, TrustStore
from egov_kit.pki.issue import build_issuing_ca, build_ocsp_responder, build_root_ca, issue_key_pair
from fastapi import FastAPI
from nuc_mock.entrypoints.app import create_app
from nuc_mock.service_layer.services import CaService
from nuc_mock.settings import Settings

NUC_URL = "http://nuc.test"
IIN = "800101300016"
IIN_2 = "900101300017"
IIN_3 = "800101123409"
BIN = "100140000013"
BIN_2 = "200440000015"
BAD_IIN = "800101300017"  # wrong check digit

Handler = Callable[[httpx.Request], httpx.Response]


@dataclass
class Issued:
    serial: str
    pair: KeyPair
    body: dict[str, Any]

    @property
    def cert(self) -> x509.Certificate:
        return self.pair.certificate


@dataclass
class Nuc:
    """nuc-mock in-process: its app, settings, service and an ASGI transport to reach it."""

    var_dir: Path
    settings: Settings
    app: FastAPI
    transport: httpx.ASGITransport = field(init=False)

    def __post_init__(self) -> None:
        self.transport = httpx.ASGITransport(app=self.app)

    @classmethod
    def start(cls, var_dir: Path, **settings: Any) -> Nuc:
        config = Settings(var_dir=var_dir, nuc_url=NUC_URL, **settings)
        return cls(var_dir, config, create_app(config))

    @property
    def service(self) -> CaService:
        service: CaService = self.app.state.service
        return service

    @property
    def issuing(self) -> KeyPair:
        return self.service.ca.issuing

    @property
    def root(self) -> KeyPair:
        return self.service.ca.root

    @property
    def trust(self) -> TrustStore:
        return TrustStore(self.root.certificate, self.issuing.certificate)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=self.transport, base_url=NUC_URL)

    async def issue(self, **payload: Any) -> Issued:
        body: dict[str, Any] = {"kind": "individual", "iin": IIN, "surname": "Testov", "given_name": "Test"}
        body.update(payload)
        for key in ("not_before", "not_after"):
            if isinstance(body.get(key), datetime):
                body[key] = body[key].isoformat()
        async with self.client() as client:
            response = await client.post("/api/certificates", json=body)
        assert response.status_code == 200, response.text
        data = response.json()
        pair = KeyPair.from_pem(
            data["key_pem"].encode(), data["cert_pem"].encode(), data["chain_pem"].encode()
        )
        return Issued(data["serial"], pair, data)

    async def revoke(self, serial: str, reason: str = "key_compromise") -> dict[str, Any]:
        async with self.client() as client:
            response = await client.post(f"/api/certificates/{serial}/revoke", json={"reason": reason})
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    def validator(
        self, transport: httpx.AsyncBaseTransport | None = None, **options: Any
    ) -> CertificateValidator:
        return CertificateValidator(
            [self.root.certificate],
            [self.issuing.certificate],
            transport=transport or self.transport,
            **options,
        )


class FaultyTransport(httpx.AsyncBaseTransport):
    """Delegates to ``inner`` except for paths taken down or replaced by a handler.

    ``faults`` maps a path prefix (``/ocsp``, ``/crl``) to ``"down"`` (connection refused), an HTTP
    status code, or a handler returning the response to give instead.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, faults: dict[str, str | int | Handler] | None = None):
        self.inner = inner
        self.faults: dict[str, str | int | Handler] = dict(faults or {})
        self.calls: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.calls.append(path)
        for prefix, fault in self.faults.items():
            if path.startswith(prefix):
                if fault == "down":
                    raise httpx.ConnectError("connection refused (test)", request=request)
                if isinstance(fault, int):
                    return httpx.Response(fault, content=b"unavailable (test)")
                if callable(fault):
                    return fault(request)
        return await self.inner.handle_async_request(request)


@dataclass
class RogueCa:
    root: KeyPair
    issuing: KeyPair
    responder: KeyPair


def rogue_ca(*, same_names_as: Nuc | None = None) -> RogueCa:
    """A CA nobody trusts; with ``same_names_as`` it copies nuc-mock's CA names (a forgery)."""
    if same_names_as is not None:
        root_cn = same_names_as.root.certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[
            0
        ].value
        issuing_cn = same_names_as.issuing.certificate.subject.get_attributes_for_oid(
            x509.NameOID.COMMON_NAME
        )[0].value
        root = build_root_ca(str(root_cn))
        issuing = build_issuing_ca(root.private_key, root.certificate, str(issuing_cn))
    else:
        root = build_root_ca("ROGUE TEST ROOT", organisation="Rogue")
        issuing = build_issuing_ca(
            root.private_key, root.certificate, "ROGUE ISSUING CA", organisation="Rogue"
        )
    responder = build_ocsp_responder(
        issuing.private_key, issuing.certificate, "ROGUE OCSP", organisation="Rogue"
    )
    return RogueCa(root, issuing, responder)


def individual_spec(iin: str = IIN) -> SubjectSpec:
    return SubjectSpec(kind="individual", iin=iin, surname="Testov", given_name="Test")


def local_leaf(issuer: KeyPair, *, urls: bool = True, **window: Any) -> KeyPair:
    """An individual's certificate issued locally (no nuc-mock record) by ``issuer``."""
    return issue_key_pair(
        issuer,
        individual_spec(),
        crl_url=f"{NUC_URL}/crl/issuing.crl" if urls else None,
        ocsp_url=f"{NUC_URL}/ocsp" if urls else None,
        **window,
    )


def ocsp_response(
    request: httpx.Request,
    *,
    signer: KeyPair,
    status: ocsp.OCSPCertStatus = ocsp.OCSPCertStatus.GOOD,
    include_signer: bool = True,
    this_update: datetime | None = None,
    next_update: datetime | None = None,
    serial_delta: int = 0,
    nonce: bytes | bool | None = True,
) -> httpx.Response:
    """Answer an OCSP request with a response built and signed here (for forged / odd answers).

    ``nonce=True`` echoes the request's nonce, bytes put another one, None leaves it out.
    """
    parsed = ocsp.load_der_ocsp_request(request.content)
    moment = now()
    builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
        issuer_name_hash=parsed.issuer_name_hash,
        issuer_key_hash=parsed.issuer_key_hash,
        serial_number=parsed.serial_number + serial_delta,
        algorithm=parsed.hash_algorithm,
        cert_status=status,
        this_update=this_update or moment,
        next_update=next_update or moment + timedelta(minutes=10),
        revocation_time=moment - timedelta(hours=1) if status == ocsp.OCSPCertStatus.REVOKED else None,
        revocation_reason=None,
    )
    builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, signer.certificate)
    if include_signer:
        builder = builder.certificates([signer.certificate])
    if nonce is True:
        echoed = parsed.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
        builder = builder.add_extension(x509.OCSPNonce(echoed), critical=False)
    elif isinstance(nonce, bytes):
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    der = builder.sign(signer.private_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    return httpx.Response(200, content=der, headers={"Content-Type": "application/ocsp-response"})


def crl_response(issuer: KeyPair, revoked_serials: list[int] | None = None) -> httpx.Response:
    moment = now()
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.certificate.subject)
        .last_update(moment)
        .next_update(moment + timedelta(hours=1))
    )
    for serial in revoked_serials or []:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(moment).build()
        )
    der = builder.sign(issuer.private_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    return httpx.Response(200, content=der, headers={"Content-Type": "application/pkix-crl"})


def ocsp_get_path(request_der: bytes) -> str:
    return "/ocsp/" + base64.b64encode(request_der).decode()
