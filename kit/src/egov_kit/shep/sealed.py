"""Signed envelopes: seal a body as a system, open one and know who signed it.

Every hop of the landscape uses these two functions: a client seals its request, the gateway opens
it (signature, certificate chain, revocation) and seals what it forwards, the provider opens the
gateway's envelope and seals its reply. The model handed back is always read from the very Body the
signature covers.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from lxml import etree

from egov_kit.dsig import sign_envelope, verify_envelope
from egov_kit.pki import CertificateIdentity, CertificateValidator, KeyPair
from egov_kit.shep.codes import ShepCode, ShepError
from egov_kit.shep.models import Channel, ErrorInfo, ShepBody
from egov_kit.shep.soap import ParsedEnvelope, build_envelope, envelope_bytes, fault_envelope, parse_envelope
from egov_kit.xml import DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class OpenedEnvelope:
    """An envelope whose transport signature and signer certificate checked out."""

    raw: bytes
    parsed: ParsedEnvelope
    signer: CertificateIdentity
    certificate: x509.Certificate

    @property
    def model(self) -> ShepBody | ErrorInfo:
        return self.parsed.model

    @property
    def operation(self) -> str:
        return self.parsed.operation


def seal(body: ShepBody | etree._Element, keypair: KeyPair) -> bytes:
    """Build (when given a model) and sign an envelope with the system's key; the wire bytes."""
    envelope = body if isinstance(body, etree._Element) else build_envelope(body)
    sign_envelope(envelope, keypair.private_key, keypair.certificate)
    return envelope_bytes(envelope)


def seal_fault(error: ErrorInfo, channel: Channel, operation: str, keypair: KeyPair) -> bytes:
    return seal(fault_envelope(error, channel, operation), keypair)


def read(raw: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedEnvelope:
    """Parse without any trust decision (for journaling and routing decisions before verification)."""
    return parse_envelope(raw, max_bytes=max_bytes)


async def open_signed(
    raw: bytes,
    validator: CertificateValidator,
    *,
    expected_signer: str | None = None,
    parsed: ParsedEnvelope | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> OpenedEnvelope:
    """Verify the WS-Security signature and the signer's certificate (chain, dates, OCSP/CRL).

    ``expected_signer`` is the information system (certificate CN) that must have signed — a
    provider accepts only the gateway, a client only the gateway's answers.
    """
    parsed = parsed or parse_envelope(raw, max_bytes=max_bytes)
    verified = verify_envelope(parsed.envelope)
    if verified.body is not parsed.body:
        raise ShepError(
            "the signature does not cover the Body that was read", code=ShepCode.SIGNATURE_WRAPPING
        )
    signer = await validator.validate(verified.certificate)
    if expected_signer is not None and (signer.kind != "system" or signer.common_name != expected_signer):
        raise ShepError(
            f"signed by {signer.common_name!r}, expected the information system {expected_signer!r}",
            code=ShepCode.SENDER_CERT_MISMATCH,
        )
    return OpenedEnvelope(raw=raw, parsed=parsed, signer=signer, certificate=verified.certificate)
