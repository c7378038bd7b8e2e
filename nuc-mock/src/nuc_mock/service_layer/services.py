"""What the CA does: issue, revoke, publish the CRL, answer OCSP.

One :class:`CaService` per process; it reads time only through :func:`egov_kit.clock.now`.
Revocations and CRL regeneration are serialised by a lock so CRL numbers only grow.
"""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp
from egov_kit.clock import now
from egov_kit.pki.errors import InvalidSubject, KeyStoreError
from egov_kit.pki.issue import KeyKind, SubjectSpec, issue_certificate, new_private_key
from egov_kit.pki.keys import KeyPair, PrivateKey, PublicKey, as_public_key
from egov_kit.pki.profile import format_name
from egov_kit.telemetry import span

from nuc_mock.domain.model import (
    CaHierarchy,
    CertificateNotFound,
    CertificateRecord,
    CrlState,
    OcspSigner,
    parse_reason,
    serial_hex,
    validity_window,
)
from nuc_mock.service_layer.ports import CertificateRepositoryPort

log = logging.getLogger("nuc_mock.service")

MAX_OCSP_REQUEST = 64 * 1024


@dataclass(frozen=True)
class CaEndpoints:
    """Public URLs written into certificates."""

    crl_url: str
    ocsp_url: str
    ca_issuers_url: str

    @classmethod
    def under(cls, public_url: str) -> CaEndpoints:
        base = public_url.rstrip("/")
        return cls(
            crl_url=f"{base}/crl/issuing.crl",
            ocsp_url=f"{base}/ocsp",
            ca_issuers_url=f"{base}/ca/issuing.cer",
        )


@dataclass(frozen=True)
class IssuedBundle:
    """A freshly issued certificate with what the requester needs to use it."""

    record: CertificateRecord
    certificate: x509.Certificate
    chain: list[x509.Certificate]
    private_key: PrivateKey | None
    pkcs12: bytes | None
    pkcs12_password: str | None


def _spki_bits(public_key: PublicKey) -> bytes:
    """The subjectPublicKey BIT STRING contents that OCSP certIDs hash."""
    if isinstance(public_key, rsa.RSAPublicKey):
        return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    return public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def issuer_hashes(issuer: x509.Certificate, algorithm: hashes.HashAlgorithm) -> tuple[bytes, bytes]:
    """(issuerNameHash, issuerKeyHash) of an OCSP certID for certificates issued by ``issuer``."""
    name = hashes.Hash(algorithm)
    name.update(issuer.subject.public_bytes())
    key = hashes.Hash(algorithm)
    key.update(_spki_bits(as_public_key(issuer.public_key())))
    return name.finalize(), key.finalize()


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(serialization.Encoding.DER)


class CaService:
    def __init__(
        self,
        ca: CaHierarchy,
        repository: CertificateRepositoryPort,
        *,
        public_url: str,
        crl_validity: timedelta = timedelta(hours=1),
        ocsp_validity: timedelta = timedelta(minutes=10),
        ocsp_signer: OcspSigner = "delegated",
        lifetime: timedelta = timedelta(days=365),
    ) -> None:
        self.ca = ca
        self.repository = repository
        self.endpoints = CaEndpoints.under(public_url)
        self.crl_validity = crl_validity
        self.ocsp_validity = ocsp_validity
        self.ocsp_signer = ocsp_signer
        self.lifetime = lifetime
        self._lock = threading.Lock()
        self._issuing_fingerprint = self.ca.issuing.certificate.fingerprint(hashes.SHA256()).hex()

    def ready(self) -> bool:
        return self.ca.valid_at(now())

    # --- issue -----------------------------------------------------------------------------------

    def issue(
        self,
        spec: SubjectSpec,
        *,
        key_type: KeyKind = "rsa",
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        public_key_pem: str | None = None,
        pkcs12_password: str | None = None,
    ) -> IssuedBundle:
        """Validate the subject (ИИН/БИН check digits included), issue and record the certificate."""
        spec.validate(check_digits=True)
        moment = now()
        start, end = validity_window(moment, not_before, not_after, self.lifetime)
        private_key: PrivateKey | None = None
        if public_key_pem:
            try:
                public_key = as_public_key(serialization.load_pem_public_key(public_key_pem.encode()))
            except (ValueError, KeyStoreError) as exc:
                raise InvalidSubject(f"public_key_pem is not an RSA or EC public key: {exc}") from exc
            if isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size < 2048:
                raise InvalidSubject("RSA keys shorter than 2048 bits are not certified")
            if isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.key_size < 256:
                raise InvalidSubject("EC keys below 256 bits are not certified")
        else:
            private_key = new_private_key(key_type)
            public_key = as_public_key(private_key.public_key())
        with span("nuc.issue_certificate", attributes={"nuc.kind": spec.kind}) as current:
            cert = issue_certificate(
                self.ca.issuing.private_key,
                self.ca.issuing.certificate,
                spec,
                public_key,
                start,
                end,
                self.endpoints.crl_url,
                self.endpoints.ocsp_url,
                ca_issuers_url=self.endpoints.ca_issuers_url,
                check_digits=True,
            )
            current.set_attribute("nuc.serial", serial_hex(cert.serial_number))
        record = CertificateRecord(
            serial=cert.serial_number,
            kind=spec.kind,
            subject=format_name(cert.subject),
            iin=spec.iin,
            bin=spec.bin,
            system_id=spec.system_id if spec.kind == "system" else None,
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            issued_at=moment,
            cert_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        )
        self.repository.add(record)
        chain = [self.ca.issuing.certificate, self.ca.root.certificate]
        pkcs12: bytes | None = None
        password: str | None = None
        if private_key is not None:
            password = pkcs12_password or secrets.token_urlsafe(12)
            pkcs12 = KeyPair(private_key, cert, chain).to_pkcs12(password.encode())
        log.info("issued %s certificate %s for %s", spec.kind, record.serial_hex, record.subject)
        return IssuedBundle(record, cert, chain, private_key, pkcs12, password)

    def get(self, serial: int) -> CertificateRecord:
        record = self.repository.get(serial)
        if record is None:
            raise CertificateNotFound(
                f"no certificate with serial {serial_hex(serial)}", data=serial_hex(serial)
            )
        return record

    def find(
        self,
        *,
        iin: str | None = None,
        bin: str | None = None,
        system_id: str | None = None,
        limit: int = 100,
    ) -> list[CertificateRecord]:
        return self.repository.find(iin=iin, bin=bin, system_id=system_id, limit=limit)

    # --- revoke and CRL --------------------------------------------------------------------------

    def revoke(self, serial: int, reason: str | None = None) -> CertificateRecord:
        """Revoke a certificate and publish a new CRL at once."""
        flag = parse_reason(reason)
        with self._lock, span("nuc.revoke_certificate", attributes={"nuc.serial": serial_hex(serial)}):
            record = self.get(serial)
            record.revoke(flag, now())
            self.repository.update(record)
            self._publish_crl()
        log.info("revoked certificate %s (%s)", record.serial_hex, flag.value)
        return record

    def crl_der(self) -> bytes:
        """The current CRL (DER), regenerated first when it is stale or absent."""
        state = self.repository.crl_state()
        if state is not None and not state.needs_refresh(now(), self.crl_validity, self._issuing_fingerprint):
            return state.der
        with self._lock:
            state = self.repository.crl_state()
            if state is not None and not state.needs_refresh(
                now(), self.crl_validity, self._issuing_fingerprint
            ):
                return state.der
            return self._publish_crl().der

    def _publish_crl(self) -> CrlState:
        previous = self.repository.crl_state()
        number = previous.number + 1 if previous is not None else 1
        this_update = now()
        next_update = this_update + self.crl_validity
        issuing = self.ca.issuing
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(issuing.certificate.subject)
            .last_update(this_update)
            .next_update(next_update)
            .add_extension(x509.CRLNumber(number), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(
                    as_public_key(issuing.certificate.public_key())
                ),
                critical=False,
            )
        )
        for record in self.repository.revoked():
            assert record.revoked_at is not None
            entry = (
                x509.RevokedCertificateBuilder()
                .serial_number(record.serial)
                .revocation_date(record.revoked_at)
            )
            flag = record.reason_flag
            if flag is not None and flag is not x509.ReasonFlags.unspecified:
                entry = entry.add_extension(x509.CRLReason(flag), critical=False)
            builder = builder.add_revoked_certificate(entry.build())
        with span("nuc.publish_crl", attributes={"nuc.crl_number": number}):
            crl = builder.sign(issuing.private_key, hashes.SHA256())
        state = CrlState(
            number=number,
            der=crl.public_bytes(serialization.Encoding.DER),
            this_update=this_update,
            next_update=next_update,
            issuer_fingerprint=self._issuing_fingerprint,
        )
        self.repository.save_crl_state(state)
        return state

    # --- OCSP ------------------------------------------------------------------------------------

    def answer_ocsp(self, request_der: bytes) -> bytes:
        """An RFC 6960 response (DER) to a DER request; never raises on bad input."""
        with span("nuc.answer_ocsp") as current:
            if len(request_der) > MAX_OCSP_REQUEST:
                current.set_attribute("nuc.ocsp_status", "malformedRequest")
                return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
            try:
                request = ocsp.load_der_ocsp_request(request_der)
                algorithm = request.hash_algorithm
                serial = request.serial_number
                name_hash, key_hash = request.issuer_name_hash, request.issuer_key_hash
                nonce: bytes | None = None
                try:
                    nonce = request.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
                except x509.ExtensionNotFound:
                    nonce = None
            except Exception as exc:
                log.info("malformed OCSP request: %s", exc)
                current.set_attribute("nuc.ocsp_status", "malformedRequest")
                return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
            if (name_hash, key_hash) != issuer_hashes(self.ca.issuing.certificate, algorithm):
                current.set_attribute("nuc.ocsp_status", "unauthorized")
                return _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
            record = self.repository.get(serial)
            moment = now()
            revocation_time: datetime | None = None
            revocation_reason: x509.ReasonFlags | None = None
            if record is None:
                status = ocsp.OCSPCertStatus.UNKNOWN
            elif record.revoked_at is not None:
                status = ocsp.OCSPCertStatus.REVOKED
                revocation_time = record.revoked_at
                revocation_reason = record.reason_flag
            else:
                status = ocsp.OCSPCertStatus.GOOD
            signer = self.ca.ocsp_signer(self.ocsp_signer)
            builder = (
                ocsp.OCSPResponseBuilder()
                .add_response_by_hash(
                    issuer_name_hash=name_hash,
                    issuer_key_hash=key_hash,
                    serial_number=serial,
                    algorithm=algorithm,
                    cert_status=status,
                    this_update=moment,
                    next_update=moment + self.ocsp_validity,
                    revocation_time=revocation_time,
                    revocation_reason=revocation_reason,
                )
                .responder_id(ocsp.OCSPResponderEncoding.HASH, signer.certificate)
            )
            if signer is not self.ca.issuing:
                builder = builder.certificates([signer.certificate])
            if nonce is not None:
                builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
            response = builder.sign(signer.private_key, hashes.SHA256())
            current.set_attribute("nuc.ocsp_status", status.name.lower())
            current.set_attribute("nuc.serial", serial_hex(serial))
            return response.public_bytes(serialization.Encoding.DER)
