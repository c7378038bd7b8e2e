"""Certificate validation: chain, validity dates and revocation (OCSP first, CRL as fallback).

:class:`CertificateValidator` answers "may this certificate be relied on now?" and returns who it
names (:class:`CertificateIdentity`), or raises a named :class:`CertificateError`:

1. the chain builds from the certificate through known intermediates (and ``extra_chain``) to a
   trust anchor, every signature verifies and every issuer is a CA allowed to issue
   (``CERT_UNTRUSTED``);
2. the certificate is inside its validity period at ``at`` or :func:`egov_kit.clock.now`
   (``CERT_EXPIRED``, ``CERT_NOT_YET_VALID``);
3. its subject follows the НУЦ РК profile (``CERT_PROFILE_INVALID``);
4. it is not revoked (``CERT_REVOKED``): an RFC 6960 OCSP request is POSTed to the AIA responder;
   the answer must be signed by the issuer or by a responder certificate the issuer delegated
   (id-kp-OCSPSigning), name the same certID, echo the nonce when it echoes one, and be fresh. When
   OCSP is unreachable, fails or cannot be trusted, the CRL from the distribution point is used:
   cached in memory and on disk until its nextUpdate, refetched when stale, and — when refetching
   fails — a stale CRL is still used for a grace period (24 h by default). With neither an OCSP
   answer nor a CRL the status is ``CERT_STATUS_UNKNOWN``.

OCSP answers are cached in memory for a short TTL (60 s by default, never past their nextUpdate)
because the gateway validates every message; a cached validation costs two signature checks.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID

from egov_kit.clock import now
from egov_kit.pki.errors import (
    CertificateError,
    CertificateExpired,
    CertificateNotYetValid,
    CertificateProfileError,
    CertificateRevoked,
    CertificateStatusUnknown,
    CertificateUntrusted,
)
from egov_kit.pki.keys import write_atomic
from egov_kit.pki.profile import CertificateIdentity, format_name, identity_from_certificate
from egov_kit.pki.trust import TrustStore
from egov_kit.telemetry import span

__all__ = [
    "CertificateError",
    "CertificateExpired",
    "CertificateNotYetValid",
    "CertificateProfileError",
    "CertificateRevoked",
    "CertificateStatusUnknown",
    "CertificateUntrusted",
    "CertificateValidator",
    "RevocationStatus",
    "ValidatorStats",
    "crl_urls",
    "ocsp_urls",
]

log = logging.getLogger("egov_kit.pki.validation")

OCSP_REQUEST_TYPE = "application/ocsp-request"
OCSP_RESPONSE_TYPE = "application/ocsp-response"
MAX_CHAIN_DEPTH = 6
MAX_CACHED_CHAINS = 10_000


@dataclass
class ValidatorStats:
    """Counters of what the validator did; handy in tests and on a metrics page."""

    validations: int = 0
    chain_cache_hits: int = 0
    ocsp_requests: int = 0
    ocsp_cache_hits: int = 0
    ocsp_failures: int = 0
    ocsp_rejected: int = 0
    crl_fetches: int = 0
    crl_fetch_failures: int = 0
    crl_cache_hits: int = 0
    crl_stale_used: int = 0


@dataclass(frozen=True)
class RevocationStatus:
    status: Literal["good", "revoked"]
    source: Literal["ocsp", "ocsp-cache", "crl"]
    revoked_at: datetime | None = None
    reason: str | None = None


@dataclass(frozen=True)
class _OcspCacheEntry:
    status: RevocationStatus
    expires: datetime


@dataclass
class _CrlEntry:
    crl: x509.CertificateRevocationList
    verified_for: set[bytes]


class _OcspRejected(Exception):
    """An OCSP answer that must not be relied on (the CRL is tried next)."""


def ocsp_urls(cert: x509.Certificate) -> list[str]:
    return _aia_urls(cert, AuthorityInformationAccessOID.OCSP)


def ca_issuers_urls(cert: x509.Certificate) -> list[str]:
    return _aia_urls(cert, AuthorityInformationAccessOID.CA_ISSUERS)


def _aia_urls(cert: x509.Certificate, method: x509.ObjectIdentifier) -> list[str]:
    try:
        aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        return []
    return [
        d.access_location.value
        for d in aia
        if d.access_method == method and isinstance(d.access_location, x509.UniformResourceIdentifier)
    ]


def crl_urls(cert: x509.Certificate) -> list[str]:
    try:
        points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except x509.ExtensionNotFound:
        return []
    urls: list[str] = []
    for point in points:
        for name in point.full_name or []:
            if isinstance(name, x509.UniformResourceIdentifier) and name.value.startswith(
                ("http://", "https://")
            ):
                urls.append(name.value)
    return urls


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except Exception:
        return False
    return True


def _verify_signature(
    public_key: object, signature: bytes, data: bytes, algorithm: hashes.HashAlgorithm | None
) -> None:
    if algorithm is None:
        raise _OcspRejected("unsupported signature algorithm")
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, data, ec.ECDSA(algorithm))
        else:
            raise _OcspRejected(f"unsupported responder key {type(public_key).__name__}")
    except InvalidSignature as exc:
        raise _OcspRejected("the OCSP response signature does not verify") from exc


def _basic_constraints(cert: x509.Certificate) -> x509.BasicConstraints | None:
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return None


def _key_usage(cert: x509.Certificate) -> x509.KeyUsage | None:
    try:
        return cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None


def _describe(cert: x509.Certificate) -> str:
    return f"{format_name(cert.subject)!r} (serial {cert.serial_number:x})"


def _key_id(issuer: x509.Certificate) -> bytes:
    return x509.SubjectKeyIdentifier.from_public_key(issuer.public_key()).digest


class CertificateValidator:
    """Validates end-entity certificates against fixed trust anchors; see the module docstring.

    ``transport`` is the HTTP seam (``httpx.MockTransport``, ``httpx.ASGITransport`` or None for the
    network); ``crl_cache_dir`` keeps downloaded CRLs across restarts (memory only when None).
    """

    def __init__(
        self,
        trust_anchors: Iterable[x509.Certificate],
        intermediates: Iterable[x509.Certificate] = (),
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        crl_cache_dir: Path | str | None = None,
        ocsp_cache_ttl: timedelta = timedelta(seconds=60),
        crl_grace: timedelta = timedelta(hours=24),
        ocsp_max_age: timedelta = timedelta(hours=1),
        clock_skew: timedelta = timedelta(minutes=5),
        http_timeout: float = 5.0,
        use_ocsp: bool = True,
        use_crl: bool = True,
    ) -> None:
        self.trust_anchors: tuple[x509.Certificate, ...] = tuple(trust_anchors)
        if not self.trust_anchors:
            raise ValueError("a validator needs at least one trust anchor")
        self.intermediates: tuple[x509.Certificate, ...] = tuple(intermediates)
        self.transport = transport
        self.crl_cache_dir = Path(crl_cache_dir) if crl_cache_dir is not None else None
        self.ocsp_cache_ttl = ocsp_cache_ttl
        self.crl_grace = crl_grace
        self.ocsp_max_age = ocsp_max_age
        self.clock_skew = clock_skew
        self.http_timeout = http_timeout
        self.use_ocsp = use_ocsp
        self.use_crl = use_crl
        self.stats = ValidatorStats()
        self._client: httpx.AsyncClient | None = None
        self._ocsp_cache: dict[tuple[bytes, int], _OcspCacheEntry] = {}
        self._crl_cache: dict[str, _CrlEntry] = {}
        self._chains: dict[bytes, tuple[x509.Certificate, ...]] = {}
        self._identities: dict[bytes, CertificateIdentity] = {}
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[object, asyncio.Lock]] = (
            weakref.WeakKeyDictionary()
        )

    @classmethod
    def from_trust(cls, trust: TrustStore, **options: Any) -> CertificateValidator:
        """A validator trusting ``trust.root`` and knowing ``trust.issuing`` as an intermediate."""
        return cls([trust.root], [trust.issuing], **options)

    # --- lifecycle -------------------------------------------------------------------------------

    def _new_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=self.transport, timeout=self.http_timeout)

    def _shared_client(self) -> httpx.AsyncClient:
        if self._client is None or self._client.is_closed:
            self._client = self._new_client()
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def __aenter__(self) -> CertificateValidator:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    def clear_caches(self) -> None:
        """Forget OCSP answers, CRLs held in memory and verified chains (the disk cache stays)."""
        self._ocsp_cache.clear()
        self._crl_cache.clear()
        self._chains.clear()

    # --- public API ------------------------------------------------------------------------------

    async def validate(
        self,
        cert: x509.Certificate,
        *,
        extra_chain: Sequence[x509.Certificate] = (),
        at: datetime | None = None,
    ) -> CertificateIdentity:
        """Check chain, dates, profile and revocation; return the identity or raise a named error."""
        return await self._validate(self._shared_client(), cert, extra_chain, at)

    def validate_sync(
        self,
        cert: x509.Certificate,
        *,
        extra_chain: Sequence[x509.Certificate] = (),
        at: datetime | None = None,
    ) -> CertificateIdentity:
        """:meth:`validate` for code without an event loop (CLI, scripts); not inside a running loop."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise RuntimeError("validate_sync() called inside a running event loop; await validate()")

        async def run() -> CertificateIdentity:
            async with self._new_client() as client:
                return await self._validate(client, cert, extra_chain, at)

        return asyncio.run(run())

    async def revocation_status(
        self, cert: x509.Certificate, issuer: x509.Certificate, *, at: datetime | None = None
    ) -> RevocationStatus:
        """The revocation status alone (OCSP, then CRL); raises ``CERT_STATUS_UNKNOWN`` when unknown."""
        return await self._revocation(self._shared_client(), cert, issuer, at)

    # --- steps -----------------------------------------------------------------------------------

    async def _validate(
        self,
        client: httpx.AsyncClient,
        cert: x509.Certificate,
        extra_chain: Sequence[x509.Certificate],
        at: datetime | None,
    ) -> CertificateIdentity:
        moment = at if at is not None else now()
        self.stats.validations += 1
        with span(
            "pki.validate_certificate", attributes={"pki.serial": format(cert.serial_number, "x")}
        ) as current:
            fingerprint = cert.fingerprint(hashes.SHA256())
            chain = self._verified_chain(cert, fingerprint, extra_chain, moment)
            self._check_dates(cert, moment)
            identity = self._identities.get(fingerprint)
            if identity is None:
                identity = identity_from_certificate(cert)
                if len(self._identities) >= MAX_CACHED_CHAINS:
                    self._identities.clear()
                self._identities[fingerprint] = identity
            status = await self._revocation(client, cert, chain[1], at)
            current.set_attribute("pki.revocation_source", status.source)
            current.set_attribute("pki.kind", identity.kind)
            if status.status == "revoked":
                when = status.revoked_at.isoformat() if status.revoked_at else "an unknown time"
                raise CertificateRevoked(
                    f"certificate {_describe(cert)} was revoked at {when}"
                    + (f" ({status.reason})" if status.reason else ""),
                    data=format(cert.serial_number, "x"),
                )
            return identity

    def build_chain(
        self,
        cert: x509.Certificate,
        extra_chain: Sequence[x509.Certificate] = (),
        at: datetime | None = None,
    ) -> list[x509.Certificate]:
        """``[cert, issuer, …, anchor]`` with verified signatures and CA flags, or ``CERT_UNTRUSTED``."""
        moment = at if at is not None else now()
        return self._verified_chain(cert, cert.fingerprint(hashes.SHA256()), extra_chain, moment)

    def _verified_chain(
        self,
        cert: x509.Certificate,
        fingerprint: bytes,
        extra_chain: Sequence[x509.Certificate],
        moment: datetime,
    ) -> list[x509.Certificate]:
        constraints = _basic_constraints(cert)
        if constraints is not None and constraints.ca:
            raise CertificateUntrusted(f"{_describe(cert)} is a CA certificate, not an end-entity one")
        cached = self._chains.get(fingerprint)
        if cached is not None:
            self.stats.chain_cache_hits += 1
            chain = list(cached)
        else:
            chain = self._find_chain(cert, extra_chain)
            if len(self._chains) >= MAX_CACHED_CHAINS:
                self._chains.clear()
            self._chains[fingerprint] = tuple(chain)
        for ca in chain[1:]:
            if not (ca.not_valid_before_utc <= moment <= ca.not_valid_after_utc):
                raise CertificateUntrusted(
                    f"CA certificate {_describe(ca)} is not valid at {moment.isoformat()} "
                    f"({ca.not_valid_before_utc.isoformat()} – {ca.not_valid_after_utc.isoformat()})"
                )
        return chain

    def _find_chain(
        self, cert: x509.Certificate, extra_chain: Sequence[x509.Certificate]
    ) -> list[x509.Certificate]:
        pool = [*extra_chain, *self.intermediates]
        chain = [cert]
        current = cert
        for _depth in range(MAX_CHAIN_DEPTH):
            for anchor in self.trust_anchors:
                if anchor.subject == current.issuer and _issued_by(current, anchor):
                    self._check_ca(anchor, intermediates_below=len(chain) - 1)
                    chain.append(anchor)
                    return chain
            candidates = [
                ca
                for ca in pool
                if ca.subject == current.issuer and ca not in chain and _issued_by(current, ca)
            ]
            if not candidates:
                names = [c for c in pool if c.subject == current.issuer] + [
                    a for a in self.trust_anchors if a.subject == current.issuer
                ]
                why = (
                    "its signature does not verify with any known CA of that name"
                    if names
                    else "no trusted or known CA certificate of that name"
                )
                raise CertificateUntrusted(
                    f"cannot build a chain for {_describe(current)} issued by "
                    f"{format_name(current.issuer)!r}: {why}"
                )
            issuer = candidates[0]
            self._check_ca(issuer, intermediates_below=len(chain) - 1)
            chain.append(issuer)
            current = issuer
        raise CertificateUntrusted(f"the chain of {_describe(cert)} is longer than {MAX_CHAIN_DEPTH}")

    @staticmethod
    def _check_ca(ca: x509.Certificate, *, intermediates_below: int) -> None:
        constraints = _basic_constraints(ca)
        if constraints is None or not constraints.ca:
            raise CertificateUntrusted(f"issuer {_describe(ca)} is not a CA (basicConstraints cA is not set)")
        if constraints.path_length is not None and intermediates_below > constraints.path_length:
            raise CertificateUntrusted(
                f"issuer {_describe(ca)} allows {constraints.path_length} intermediate CAs below it, "
                f"the chain has {intermediates_below}"
            )
        usage = _key_usage(ca)
        if usage is not None and not usage.key_cert_sign:
            raise CertificateUntrusted(f"issuer {_describe(ca)} may not sign certificates (keyCertSign)")

    @staticmethod
    def _check_dates(cert: x509.Certificate, moment: datetime) -> None:
        if moment < cert.not_valid_before_utc:
            raise CertificateNotYetValid(
                f"certificate {_describe(cert)} is valid from {cert.not_valid_before_utc.isoformat()}, "
                f"it is {moment.isoformat()}",
                data=format(cert.serial_number, "x"),
            )
        if moment > cert.not_valid_after_utc:
            raise CertificateExpired(
                f"certificate {_describe(cert)} expired at {cert.not_valid_after_utc.isoformat()}, "
                f"it is {moment.isoformat()}",
                data=format(cert.serial_number, "x"),
            )

    def _lock(self, key: object) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        locks = self._locks.setdefault(loop, {})
        lock = locks.get(key)
        if lock is None:
            lock = locks[key] = asyncio.Lock()
        return lock

    async def _revocation(
        self, client: httpx.AsyncClient, cert: x509.Certificate, issuer: x509.Certificate, at: datetime | None
    ) -> RevocationStatus:
        ocsp_list = ocsp_urls(cert) if self.use_ocsp else []
        crl_list = crl_urls(cert) if self.use_crl else []
        status: RevocationStatus | None = None
        if ocsp_list:
            status = await self._ocsp_status(client, cert, issuer, ocsp_list)
        if status is None and crl_list:
            status = await self._crl_status(client, cert, issuer, crl_list)
        if status is None:
            if not ocsp_list and not crl_list:
                raise CertificateStatusUnknown(
                    f"certificate {_describe(cert)} names neither an OCSP responder nor a CRL",
                    data=format(cert.serial_number, "x"),
                )
            raise CertificateStatusUnknown(
                f"revocation status of {_describe(cert)} is unknown: OCSP {ocsp_list or 'absent'} gave no "
                f"trustworthy answer and no usable CRL from {crl_list or 'nowhere'}",
                data=format(cert.serial_number, "x"),
            )
        if (
            status.status == "revoked"
            and at is not None
            and status.revoked_at is not None
            and status.revoked_at > at
        ):
            # Validating at a past moment: the certificate was revoked only later.
            return RevocationStatus("good", status.source)
        return status

    # --- OCSP ------------------------------------------------------------------------------------

    async def _ocsp_status(
        self, client: httpx.AsyncClient, cert: x509.Certificate, issuer: x509.Certificate, urls: list[str]
    ) -> RevocationStatus | None:
        key = (_key_id(issuer), cert.serial_number)
        cached = self._cached_ocsp(key)
        if cached is not None:
            return cached
        async with self._lock(("ocsp", key)):
            cached = self._cached_ocsp(key)
            if cached is not None:
                return cached
            nonce = os.urandom(16)
            request = (
                ocsp.OCSPRequestBuilder()
                .add_certificate(cert, issuer, hashes.SHA1())  # noqa: S303 - certID hash of RFC 6960
                .add_extension(x509.OCSPNonce(nonce), critical=False)
                .build()
            )
            body = request.public_bytes(serialization.Encoding.DER)
            for url in urls:
                self.stats.ocsp_requests += 1
                try:
                    response = await client.post(
                        url,
                        content=body,
                        headers={"Content-Type": OCSP_REQUEST_TYPE, "Accept": OCSP_RESPONSE_TYPE},
                    )
                except httpx.HTTPError as exc:
                    self.stats.ocsp_failures += 1
                    log.warning("OCSP responder %s unreachable: %s", url, exc)
                    continue
                if response.status_code != 200:
                    self.stats.ocsp_failures += 1
                    log.warning("OCSP responder %s answered HTTP %s", url, response.status_code)
                    continue
                try:
                    answer = self._check_ocsp_response(response.content, cert, issuer, nonce)
                except _OcspRejected as exc:
                    self.stats.ocsp_failures += 1
                    self.stats.ocsp_rejected += 1
                    log.warning("OCSP response from %s rejected: %s", url, exc)
                    continue
                if answer is None:
                    continue
                status, next_update = answer
                expires = now() + self.ocsp_cache_ttl
                if next_update is not None:
                    expires = min(expires, next_update)
                self._ocsp_cache[key] = _OcspCacheEntry(status, expires)
                return status
            return None

    def _cached_ocsp(self, key: tuple[bytes, int]) -> RevocationStatus | None:
        entry = self._ocsp_cache.get(key)
        if entry is None:
            return None
        if now() >= entry.expires:
            del self._ocsp_cache[key]
            return None
        self.stats.ocsp_cache_hits += 1
        return RevocationStatus(
            entry.status.status, "ocsp-cache", entry.status.revoked_at, entry.status.reason
        )

    def _check_ocsp_response(
        self, data: bytes, cert: x509.Certificate, issuer: x509.Certificate, nonce: bytes
    ) -> tuple[RevocationStatus, datetime | None] | None:
        try:
            response = ocsp.load_der_ocsp_response(data)
        except ValueError as exc:
            raise _OcspRejected(f"not a DER OCSP response: {exc}") from exc
        if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
            raise _OcspRejected(f"responder status {response.response_status.name}")
        signer = self._ocsp_signer(response, issuer)
        _verify_signature(
            signer.public_key(),
            response.signature,
            response.tbs_response_bytes,
            response.signature_hash_algorithm,
        )
        try:
            echoed = response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
        except x509.ExtensionNotFound:
            echoed = None
        if echoed is not None and echoed != nonce:
            raise _OcspRejected("the response's nonce is not the request's")
        single = self._matching_single_response(response, cert, issuer)
        moment = now()
        this_update = single.this_update_utc
        next_update = single.next_update_utc
        if this_update > moment + self.clock_skew:
            raise _OcspRejected(f"thisUpdate {this_update.isoformat()} is in the future")
        if next_update is not None:
            if next_update < moment - self.clock_skew:
                raise _OcspRejected(f"stale response: nextUpdate {next_update.isoformat()} has passed")
        elif this_update < moment - self.ocsp_max_age:
            raise _OcspRejected(f"stale response: thisUpdate {this_update.isoformat()} without nextUpdate")
        if single.certificate_status == ocsp.OCSPCertStatus.GOOD:
            return RevocationStatus("good", "ocsp"), next_update
        if single.certificate_status == ocsp.OCSPCertStatus.REVOKED:
            reason = single.revocation_reason.value if single.revocation_reason is not None else None
            return RevocationStatus("revoked", "ocsp", single.revocation_time_utc, reason), next_update
        log.info("OCSP responder does not know certificate %x; trying the CRL", cert.serial_number)
        return None

    def _ocsp_signer(self, response: ocsp.OCSPResponse, issuer: x509.Certificate) -> x509.Certificate:
        def is_responder(candidate: x509.Certificate) -> bool:
            if response.responder_name is not None:
                return response.responder_name == candidate.subject
            return response.responder_key_hash == _key_id(candidate)

        if is_responder(issuer):
            return issuer
        for candidate in response.certificates:
            if not is_responder(candidate):
                continue
            if not _issued_by(candidate, issuer):
                raise _OcspRejected(f"responder certificate {_describe(candidate)} is not issued by the CA")
            try:
                eku = candidate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
            except x509.ExtensionNotFound as exc:
                raise _OcspRejected("responder certificate has no extendedKeyUsage") from exc
            if ExtendedKeyUsageOID.OCSP_SIGNING not in eku:
                raise _OcspRejected("responder certificate is not authorised for OCSP signing")
            moment = now()
            if not (candidate.not_valid_before_utc <= moment <= candidate.not_valid_after_utc):
                raise _OcspRejected("responder certificate is outside its validity period")
            return candidate
        raise _OcspRejected("the response is signed neither by the CA nor by a delegated responder it names")

    @staticmethod
    def _matching_single_response(
        response: ocsp.OCSPResponse, cert: x509.Certificate, issuer: x509.Certificate
    ) -> ocsp.OCSPSingleResponse:
        expected: dict[str, tuple[bytes, bytes]] = {}
        for single in response.responses:
            if single.serial_number != cert.serial_number:
                continue
            algorithm = single.hash_algorithm
            if algorithm.name not in expected:
                probe = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, algorithm).build()
                expected[algorithm.name] = (probe.issuer_name_hash, probe.issuer_key_hash)
            if (single.issuer_name_hash, single.issuer_key_hash) == expected[algorithm.name]:
                return single
        raise _OcspRejected("the response has no status for the requested certID")

    # --- CRL -------------------------------------------------------------------------------------

    async def _crl_status(
        self, client: httpx.AsyncClient, cert: x509.Certificate, issuer: x509.Certificate, urls: list[str]
    ) -> RevocationStatus | None:
        for url in urls:
            crl = await self._crl(client, url, issuer)
            if crl is None:
                continue
            entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
            if entry is None:
                return RevocationStatus("good", "crl")
            reason: str | None = None
            with contextlib.suppress(x509.ExtensionNotFound):
                reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason.value
            return RevocationStatus("revoked", "crl", entry.revocation_date_utc, reason)
        return None

    def _crl_fresh(self, crl: x509.CertificateRevocationList, moment: datetime) -> bool:
        next_update = crl.next_update_utc
        return next_update is not None and moment < next_update

    def _crl_usable_stale(self, crl: x509.CertificateRevocationList, moment: datetime) -> bool:
        deadline = crl.next_update_utc or crl.last_update_utc
        return moment <= deadline + self.crl_grace

    def _crl_path(self, url: str) -> Path | None:
        if self.crl_cache_dir is None:
            return None
        return self.crl_cache_dir / (hashlib.sha256(url.encode()).hexdigest()[:32] + ".crl")

    def _verified(self, entry: _CrlEntry, issuer: x509.Certificate) -> bool:
        issuer_id = issuer.fingerprint(hashes.SHA256())
        if issuer_id in entry.verified_for:
            return True
        crl = entry.crl
        if crl.issuer != issuer.subject:
            return False
        try:
            valid = crl.is_signature_valid(issuer.public_key())  # type: ignore[arg-type]
        except Exception:
            valid = False
        if valid:
            entry.verified_for.add(issuer_id)
        return valid

    def _cached_crl(self, url: str, issuer: x509.Certificate) -> _CrlEntry | None:
        entry = self._crl_cache.get(url)
        if entry is None:
            path = self._crl_path(url)
            if path is not None and path.is_file():
                try:
                    entry = _CrlEntry(x509.load_der_x509_crl(path.read_bytes()), set())
                except (OSError, ValueError):
                    entry = None
        if entry is None or not self._verified(entry, issuer):
            return None
        self._crl_cache[url] = entry
        return entry

    async def _crl(
        self, client: httpx.AsyncClient, url: str, issuer: x509.Certificate
    ) -> x509.CertificateRevocationList | None:
        cached = self._cached_crl(url, issuer)
        if cached is not None and self._crl_fresh(cached.crl, now()):
            self.stats.crl_cache_hits += 1
            return cached.crl
        async with self._lock(("crl", url)):
            cached = self._cached_crl(url, issuer)
            moment = now()
            if cached is not None and self._crl_fresh(cached.crl, moment):
                self.stats.crl_cache_hits += 1
                return cached.crl
            fetched = await self._fetch_crl(client, url, issuer)
            if fetched is not None:
                return fetched.crl
            if cached is not None and self._crl_usable_stale(cached.crl, moment):
                self.stats.crl_stale_used += 1
                log.warning("using a stale CRL from %s (nextUpdate %s)", url, cached.crl.next_update_utc)
                return cached.crl
            return None

    async def _fetch_crl(
        self, client: httpx.AsyncClient, url: str, issuer: x509.Certificate
    ) -> _CrlEntry | None:
        self.stats.crl_fetches += 1
        try:
            response = await client.get(url)
        except httpx.HTTPError as exc:
            self.stats.crl_fetch_failures += 1
            log.warning("CRL %s unreachable: %s", url, exc)
            return None
        if response.status_code != 200:
            self.stats.crl_fetch_failures += 1
            log.warning("CRL %s answered HTTP %s", url, response.status_code)
            return None
        try:
            data = response.content
            crl = (
                x509.load_pem_x509_crl(data)
                if data.lstrip().startswith(b"-----")
                else x509.load_der_x509_crl(data)
            )
        except ValueError as exc:
            self.stats.crl_fetch_failures += 1
            log.warning("CRL %s is not a CRL: %s", url, exc)
            return None
        entry = _CrlEntry(crl, set())
        if not self._verified(entry, issuer):
            self.stats.crl_fetch_failures += 1
            log.warning("CRL %s is not signed by %s", url, format_name(issuer.subject))
            return None
        if crl.last_update_utc > now() + self.clock_skew:
            self.stats.crl_fetch_failures += 1
            log.warning("CRL %s is issued in the future (%s)", url, crl.last_update_utc)
            return None
        self._crl_cache[url] = entry
        path = self._crl_path(url)
        if path is not None:
            try:
                write_atomic(path, crl.public_bytes(serialization.Encoding.DER))
            except OSError as exc:
                log.warning("cannot cache CRL %s on disk: %s", url, exc)
        return entry
