"""nuc-mock's HTTP face: CA certificates, CRL, OCSP and the certificate API.

``create_app`` prepares everything eagerly (database tables, the CA on disk) so the app also works
in-process through ``httpx.ASGITransport``, which sends no lifespan events.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Annotated
from urllib.parse import unquote

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from egov_kit.db import create_engine_for, database_ready
from egov_kit.pki.issue import SubjectSpec
from egov_kit.pki.keys import private_key_pem
from egov_kit.telemetry import setup_telemetry
from egov_kit.web import ErrorBody, Readiness, healthz_router, install_error_handlers, install_error_statuses
from fastapi import FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from nuc_mock.adapters.keystore import CaKeyStore
from nuc_mock.adapters.repository import SqlCertificateRepository
from nuc_mock.domain.model import AlreadyRevoked, CertificateNotFound, parse_serial
from nuc_mock.entrypoints.schemas import (
    CertificateInfo,
    IssueRequest,
    IssueResponse,
    RevokeRequest,
)
from nuc_mock.service_layer.services import MAX_OCSP_REQUEST, CaEndpoints, CaService
from nuc_mock.settings import Settings

PEM = "application/x-pem-file"
DER_CERT = "application/pkix-cert"
CRL = "application/pkix-crl"
OCSP_RESPONSE = "application/ocsp-response"

TAGS = [
    {"name": "ca", "description": "The CA certificates (trust anchors)"},
    {"name": "crl", "description": "Certificate revocation list of the issuing CA"},
    {"name": "ocsp", "description": "RFC 6960 OCSP responder"},
    {"name": "certificates", "description": "Issue, look up and revoke test certificates"},
    {"name": "health", "description": "Readiness"},
]

ERRORS: dict[int | str, dict[str, object]] = {400: {"model": ErrorBody, "description": "named error"}}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    setup_telemetry(settings.service_name, otlp_endpoint=settings.otlp_endpoint)
    engine = create_engine_for(settings.db_url)
    repository = SqlCertificateRepository(engine)
    endpoints = CaEndpoints.under(settings.public_url)
    keystore = CaKeyStore(settings.ca_dir)
    ca = keystore.load_or_create(ca_issuers_url=settings.public_url + "/ca/root.cer")
    service = CaService(
        ca,
        repository,
        public_url=settings.public_url,
        crl_validity=timedelta(seconds=settings.crl_validity_seconds),
        ocsp_validity=timedelta(seconds=settings.ocsp_validity_seconds),
        ocsp_signer=settings.ocsp_signer,
        lifetime=timedelta(days=settings.certificate_lifetime_days),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="nuc-mock",
        summary="Test certification authority standing for НУЦ РК",
        description=(
            "Root and issuing CA, CRL and OCSP of the sandbox. Certificates follow the НУЦ РК profile "
            f"(ИИН in SERIALNUMBER, БИН in OU, role OIDs); CRL at `{endpoints.crl_url}`, OCSP at "
            f"`{endpoints.ocsp_url}`."
        ),
        version="0.1.0",
        openapi_tags=TAGS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.service = service
    app.state.engine = engine

    readiness = Readiness(settings.service_name)
    readiness.add("database", lambda: database_ready(engine))
    readiness.add("ca", service.ready)
    app.include_router(healthz_router(readiness))
    install_error_handlers(app)
    install_error_statuses(app, {CertificateNotFound: 404, AlreadyRevoked: 409})

    # --- CA certificates -------------------------------------------------------------------------

    def _cert(cert: x509.Certificate, encoding: serialization.Encoding) -> Response:
        media = PEM if encoding == serialization.Encoding.PEM else DER_CERT
        return Response(cert.public_bytes(encoding), media_type=media)

    @app.get("/ca/root.pem", tags=["ca"], response_class=Response, summary="Root CA certificate (PEM)")
    def root_pem() -> Response:
        return _cert(service.ca.root.certificate, serialization.Encoding.PEM)

    @app.get("/ca/issuing.pem", tags=["ca"], response_class=Response, summary="Issuing CA certificate (PEM)")
    def issuing_pem() -> Response:
        return _cert(service.ca.issuing.certificate, serialization.Encoding.PEM)

    @app.get("/ca/root.cer", tags=["ca"], response_class=Response, summary="Root CA certificate (DER)")
    def root_der() -> Response:
        return _cert(service.ca.root.certificate, serialization.Encoding.DER)

    @app.get("/ca/issuing.cer", tags=["ca"], response_class=Response, summary="Issuing CA certificate (DER)")
    def issuing_der() -> Response:
        return _cert(service.ca.issuing.certificate, serialization.Encoding.DER)

    @app.get("/ca/ocsp.pem", tags=["ca"], response_class=Response, summary="Delegated OCSP responder (PEM)")
    def ocsp_pem() -> Response:
        return _cert(service.ca.ocsp_responder.certificate, serialization.Encoding.PEM)

    # --- CRL and OCSP ----------------------------------------------------------------------------

    @app.get(
        "/crl/issuing.crl",
        tags=["crl"],
        response_class=Response,
        summary="CRL of the issuing CA (DER); regenerated on every revocation and when stale",
    )
    def crl() -> Response:
        return Response(service.crl_der(), media_type=CRL, headers={"Cache-Control": "no-cache"})

    @app.post(
        "/ocsp",
        tags=["ocsp"],
        response_class=Response,
        summary="OCSP over HTTP POST (RFC 6960 A.1): DER application/ocsp-request in, DER response out",
    )
    async def ocsp_post(request: Request) -> Response:
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_OCSP_REQUEST:
                break
        answer = await run_in_threadpool(service.answer_ocsp, bytes(body))
        return Response(answer, media_type=OCSP_RESPONSE)

    @app.get(
        "/ocsp/{encoded:path}",
        tags=["ocsp"],
        response_class=Response,
        summary="OCSP over HTTP GET (RFC 6960 A.1): the base64 DER request in the path",
    )
    def ocsp_get(encoded: str) -> Response:
        try:
            der = base64.b64decode(unquote(encoded), validate=True)
        except (binascii.Error, ValueError):
            der = b""
        return Response(service.answer_ocsp(der), media_type=OCSP_RESPONSE)

    # --- certificate API -------------------------------------------------------------------------

    @app.post(
        "/api/certificates",
        tags=["certificates"],
        response_model=IssueResponse,
        responses=ERRORS,
        summary="Issue a certificate (ИИН/БИН check digits are verified)",
    )
    def issue(body: IssueRequest) -> IssueResponse:
        spec = SubjectSpec(
            kind=body.kind,
            iin=body.iin,
            bin=body.bin,
            surname=body.surname,
            given_name=body.given_name,
            organisation=body.organisation,
            system_id=body.system_id,
            roles=frozenset(body.roles),
        )
        bundle = service.issue(
            spec,
            key_type=body.key_type,
            not_before=body.not_before,
            not_after=body.not_after,
            public_key_pem=body.public_key_pem,
            pkcs12_password=body.pkcs12_password,
        )
        record = bundle.record
        return IssueResponse(
            serial=record.serial_hex,
            subject=record.subject,
            kind=record.kind,
            not_before=record.not_before,
            not_after=record.not_after,
            cert_pem=record.cert_pem,
            key_pem=private_key_pem(bundle.private_key).decode() if bundle.private_key is not None else None,
            chain_pem=b"".join(c.public_bytes(serialization.Encoding.PEM) for c in bundle.chain).decode(),
            pkcs12_base64=base64.b64encode(bundle.pkcs12).decode() if bundle.pkcs12 is not None else None,
            pkcs12_password=bundle.pkcs12_password,
        )

    @app.get(
        "/api/certificates",
        tags=["certificates"],
        response_model=list[CertificateInfo],
        summary="Issued certificates, newest first",
    )
    def list_certificates(
        iin: str | None = None,
        bin: str | None = None,
        system_id: str | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[CertificateInfo]:
        return [
            CertificateInfo.of(r) for r in service.find(iin=iin, bin=bin, system_id=system_id, limit=limit)
        ]

    @app.get(
        "/api/certificates/{serial}",
        tags=["certificates"],
        response_model=CertificateInfo,
        responses={**ERRORS, 404: {"model": ErrorBody, "description": "no such certificate"}},
        summary="One issued certificate and its status",
    )
    def get_certificate(serial: str) -> CertificateInfo:
        return CertificateInfo.of(service.get(parse_serial(serial)))

    @app.post(
        "/api/certificates/{serial}/revoke",
        tags=["certificates"],
        response_model=CertificateInfo,
        responses={
            **ERRORS,
            404: {"model": ErrorBody, "description": "no such certificate"},
            409: {"model": ErrorBody, "description": "already revoked"},
        },
        summary="Revoke a certificate; the CRL is regenerated at once",
    )
    def revoke(serial: str, body: RevokeRequest | None = None) -> CertificateInfo:
        return CertificateInfo.of(service.revoke(parse_serial(serial), body.reason if body else None))

    return app
