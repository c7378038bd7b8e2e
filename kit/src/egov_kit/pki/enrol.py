"""Enrolment of an information system: its own key and certificate from nuc-mock, once.

Every service calls :func:`ensure_system_identity` at start-up. The key store lives in
``var/pki/systems/<systemId>/`` (``key.pem``, ``cert.pem``, ``chain.pem``); it is reused while it
names the same system and БИН, is not about to expire and (when a trust store is cached) was issued
by the cached issuing CA. Otherwise a new key is generated locally and nuc-mock's
``POST /api/certificates`` certifies its public key (the private key never leaves the process).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509

from egov_kit.clock import now
from egov_kit.pki.errors import CertificateProfileError, EnrolmentFailed, KeyStoreError, TrustStoreUnavailable
from egov_kit.pki.issue import KeyKind, new_private_key
from egov_kit.pki.keys import KeyPair, as_public_key, load_certificates_pem, public_key_pem
from egov_kit.pki.profile import identity_from_certificate
from egov_kit.pki.trust import load_trust

log = logging.getLogger("egov_kit.pki.enrol")

RENEW_BEFORE = timedelta(days=7)


class _NucUnreachable(EnrolmentFailed):
    """nuc-mock did not answer at all (worth retrying while it starts)."""


def system_dir(var_dir: Path | str, system_id: str) -> Path:
    if not system_id or "/" in system_id or system_id in {".", ".."}:
        raise EnrolmentFailed(f"{system_id!r} is not a usable system id")
    return Path(var_dir) / "pki" / "systems" / system_id


def _reusable(
    pair: KeyPair, system_id: str, bin_: str, var_dir: Path | str, renew_before: timedelta
) -> str | None:
    """Why the stored key pair cannot be reused, or None when it can."""
    try:
        identity = identity_from_certificate(pair.certificate)
    except CertificateProfileError as exc:
        return exc.message
    if identity.kind != "system" or identity.common_name != system_id or identity.bin != bin_:
        return f"it names {identity.common_name!r} / BIN {identity.bin}, not {system_id!r} / BIN {bin_}"
    moment = now()
    if moment < identity.not_before:
        return "it is not valid yet"
    if moment + renew_before > identity.not_after:
        return f"it expires at {identity.not_after.isoformat()}"
    try:
        trust = load_trust(var_dir)
    except TrustStoreUnavailable:
        return None
    try:
        pair.certificate.verify_directly_issued_by(trust.issuing)
    except Exception:
        return "it is not issued by the cached issuing CA"
    return None


async def request_system_certificate(
    system_id: str,
    *,
    bin: str,
    organisation: str,
    nuc_url: str,
    key_kind: KeyKind = "rsa",
    transport: httpx.AsyncBaseTransport | None = None,
    http_timeout: float = 30.0,
) -> KeyPair:
    """Generate a key and have nuc-mock certify it as information system ``system_id``."""
    key = new_private_key(key_kind)
    payload: dict[str, Any] = {
        "kind": "system",
        "system_id": system_id,
        "bin": bin,
        "organisation": organisation,
        "key_type": key_kind,
        "public_key_pem": public_key_pem(as_public_key(key.public_key())).decode(),
    }
    url = nuc_url.rstrip("/") + "/api/certificates"
    try:
        async with httpx.AsyncClient(transport=transport, timeout=http_timeout) as client:
            response = await client.post(url, json=payload)
    except httpx.HTTPError as exc:
        raise _NucUnreachable(f"nuc-mock at {url} is unreachable: {exc}") from exc
    if response.status_code != 200:
        raise EnrolmentFailed(
            f"nuc-mock refused to certify {system_id!r}: HTTP {response.status_code} {response.text}"
        )
    try:
        body = response.json()
        cert = x509.load_pem_x509_certificate(body["cert_pem"].encode())
        chain = load_certificates_pem(body.get("chain_pem", "").encode())
        return KeyPair(key, cert, chain)
    except (ValueError, KeyError, TypeError, KeyStoreError) as exc:
        raise EnrolmentFailed(f"nuc-mock's answer for {system_id!r} is unusable: {exc}") from exc


async def ensure_system_identity(
    system_id: str,
    *,
    bin: str,
    organisation: str,
    nuc_url: str,
    var_dir: Path | str,
    key_kind: KeyKind = "rsa",
    renew_before: timedelta = RENEW_BEFORE,
    wait_seconds: float = 15.0,
    transport: httpx.AsyncBaseTransport | None = None,
) -> KeyPair:
    """The system's key pair from ``var/pki/systems/<systemId>/``, enrolled with nuc-mock when needed.

    When nuc-mock is unreachable, retries for up to ``wait_seconds`` (services may start together
    with it) before raising :class:`EnrolmentFailed`.
    """
    directory = system_dir(var_dir, system_id)
    if KeyPair.exists(directory):
        try:
            stored = KeyPair.load(directory)
        except KeyStoreError as exc:
            log.warning(
                "key store of %s in %s is unreadable (%s); enrolling again", system_id, directory, exc
            )
        else:
            why = _reusable(stored, system_id, bin, var_dir, renew_before)
            if why is None:
                return stored
            log.info("certificate of %s in %s is not reused: %s; enrolling again", system_id, directory, why)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    delay = 0.25
    while True:
        try:
            pair = await request_system_certificate(
                system_id,
                bin=bin,
                organisation=organisation,
                nuc_url=nuc_url,
                key_kind=key_kind,
                transport=transport,
            )
            break
        except _NucUnreachable as exc:
            if loop.time() + delay > deadline:
                raise
            log.info("nuc-mock not reachable yet (%s); retrying in %.2f s", exc.message, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)
    pair.save(directory)
    log.info("enrolled %s: certificate %x saved in %s", system_id, pair.certificate.serial_number, directory)
    return pair
