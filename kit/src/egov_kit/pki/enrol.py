"""Enrolment with nuc-mock: a key pair made here, its public key certified by nuc-mock, kept on disk.

:func:`ensure_identity` serves any subject of the НУЦ РК profile (an information system, an
organisation's employee, an individual): the key store in ``directory`` (``key.pem``, ``cert.pem``,
``chain.pem``) is reused while it names the same subject (kind, system id, ИИН, БИН, at least the
asked roles), is not about to expire and (when a trust store is cached) was issued by the cached
issuing CA. Otherwise a new key is generated locally and nuc-mock's ``POST /api/certificates``
certifies its public key (``public_key_pem``; the private key never leaves the process), retrying
while nuc-mock is not reachable yet.

Every service calls :func:`ensure_system_identity` at start-up: the same for its own system
certificate in ``var/pki/systems/<systemId>/``.
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
from egov_kit.pki.issue import KeyKind, SubjectSpec, new_private_key
from egov_kit.pki.keys import KeyPair, as_public_key, load_certificates_pem, public_key_pem
from egov_kit.pki.profile import CertificateIdentity, identity_from_certificate
from egov_kit.pki.trust import load_trust

log = logging.getLogger("egov_kit.pki.enrol")

RENEW_BEFORE = timedelta(days=7)


class NucUnreachable(EnrolmentFailed):
    """nuc-mock did not answer at all (worth retrying while it starts)."""


def system_dir(var_dir: Path | str, system_id: str) -> Path:
    if not system_id or "/" in system_id or system_id in {".", ".."}:
        raise EnrolmentFailed(f"{system_id!r} is not a usable system id")
    return Path(var_dir) / "pki" / "systems" / system_id


def system_subject(system_id: str, *, bin: str, organisation: str) -> SubjectSpec:
    """The subject of information system ``system_id``'s certificate."""
    return SubjectSpec("system", bin=bin, organisation=organisation, system_id=system_id)


def describe(who: SubjectSpec | CertificateIdentity) -> str:
    """``'GBDFL' / BIN …`` for a system, ``ИИН … / БИН …`` for an employee, ``ИИН …`` for an individual."""
    if who.kind == "system":
        return f"{who.system_id!r} / BIN {who.bin}"
    if who.kind == "employee":
        return f"ИИН {who.iin} / БИН {who.bin}"
    return f"ИИН {who.iin}"


def _mismatch(identity: CertificateIdentity, subject: SubjectSpec) -> str | None:
    """Why the certificate names someone other than ``subject``, or None when it names them."""
    if identity.kind != subject.kind or any(
        wanted is not None and wanted != found
        for wanted, found in (
            (subject.system_id, identity.system_id),
            (subject.iin, identity.iin),
            (subject.bin, identity.bin),
        )
    ):
        return f"it names {identity.kind} {describe(identity)}, not {subject.kind} {describe(subject)}"
    missing = subject.roles - identity.roles
    if missing:
        return f"it lacks the role(s) {', '.join(sorted(missing))}"
    return None


def _reusable(
    pair: KeyPair, subject: SubjectSpec, var_dir: Path | str | None, renew_before: timedelta
) -> str | None:
    """Why the stored key pair cannot be reused, or None when it can."""
    try:
        identity = identity_from_certificate(pair.certificate)
    except CertificateProfileError as exc:
        return exc.message
    why = _mismatch(identity, subject)
    if why is not None:
        return why
    moment = now()
    if moment < identity.not_before:
        return "it is not valid yet"
    if moment + renew_before > identity.not_after:
        return f"it expires at {identity.not_after.isoformat()}"
    if var_dir is None:
        return None
    try:
        trust = load_trust(var_dir)
    except TrustStoreUnavailable:
        return None
    try:
        pair.certificate.verify_directly_issued_by(trust.issuing)
    except Exception:
        return "it is not issued by the cached issuing CA"
    return None


def _payload(subject: SubjectSpec, key_kind: KeyKind, public_pem: str) -> dict[str, Any]:
    """The body of nuc-mock's ``POST /api/certificates`` for ``subject`` (only the fields it has)."""
    payload: dict[str, Any] = {"kind": subject.kind}
    for name in ("iin", "bin", "surname", "given_name", "organisation", "system_id"):
        value = getattr(subject, name)
        if value is not None:
            payload[name] = value
    if subject.roles:
        payload["roles"] = sorted(subject.roles)
    payload["key_type"] = key_kind
    payload["public_key_pem"] = public_pem
    return payload


def _refusal(response: httpx.Response) -> str:
    """nuc-mock's reason for a refusal: ``CODE: message`` from its error body, else the HTTP answer."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and "error" in body:
        return f"{body.get('error')}: {body.get('message', '')} (HTTP {response.status_code})"
    return f"HTTP {response.status_code} {response.text[:300]}"


async def request_certificate(
    subject: SubjectSpec,
    *,
    nuc_url: str,
    key_kind: KeyKind = "rsa",
    transport: httpx.AsyncBaseTransport | None = None,
    client: httpx.AsyncClient | None = None,
    http_timeout: float = 30.0,
) -> KeyPair:
    """Generate a key here and have nuc-mock certify its public key for ``subject``, once.

    ``client`` (optional) is used as it is instead of a client of its own over ``transport``.
    Raises :class:`NucUnreachable` when nuc-mock does not answer, :class:`EnrolmentFailed` when it
    refuses or answers something unusable.
    """
    key = new_private_key(key_kind)
    payload = _payload(subject, key_kind, public_key_pem(as_public_key(key.public_key())).decode())
    url = nuc_url.rstrip("/") + "/api/certificates"
    try:
        if client is not None:
            response = await client.post(url, json=payload)
        else:
            async with httpx.AsyncClient(transport=transport, timeout=http_timeout) as own:
                response = await own.post(url, json=payload)
    except httpx.HTTPError as exc:
        raise NucUnreachable(f"nuc-mock at {url} is unreachable: {exc}") from exc
    if response.status_code != 200:
        raise EnrolmentFailed(f"nuc-mock refused to certify {describe(subject)}: {_refusal(response)}")
    try:
        body = response.json()
        cert = x509.load_pem_x509_certificate(body["cert_pem"].encode())
        chain = load_certificates_pem(body.get("chain_pem", "").encode())
        return KeyPair(key, cert, chain)
    except (ValueError, KeyError, TypeError, AttributeError, KeyStoreError) as exc:
        raise EnrolmentFailed(f"nuc-mock's answer for {describe(subject)} is unusable: {exc}") from exc


async def ensure_identity(
    subject: SubjectSpec,
    *,
    directory: Path | str,
    nuc_url: str,
    var_dir: Path | str | None = None,
    key_kind: KeyKind = "rsa",
    renew_before: timedelta = RENEW_BEFORE,
    wait_seconds: float = 15.0,
    transport: httpx.AsyncBaseTransport | None = None,
    client: httpx.AsyncClient | None = None,
) -> KeyPair:
    """``subject``'s key pair from ``directory``, enrolled with nuc-mock (and saved there) when needed.

    ``var_dir`` is where the trust store may be cached (:func:`egov_kit.pki.load_trust`); without it
    a stored certificate is not checked against the issuing CA. When nuc-mock is unreachable,
    retries for up to ``wait_seconds`` (services may start together with it) before raising
    :class:`EnrolmentFailed`.
    """
    directory = Path(directory)
    who = f"{subject.kind} {describe(subject)}"
    if KeyPair.exists(directory):
        try:
            stored = KeyPair.load(directory)
        except KeyStoreError as exc:
            log.warning("key store of %s in %s is unreadable (%s); enrolling again", who, directory, exc)
        else:
            why = _reusable(stored, subject, var_dir, renew_before)
            if why is None:
                return stored
            log.info("certificate of %s in %s is not reused: %s; enrolling again", who, directory, why)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    delay = 0.25
    while True:
        try:
            pair = await request_certificate(
                subject, nuc_url=nuc_url, key_kind=key_kind, transport=transport, client=client
            )
            break
        except NucUnreachable as exc:
            if loop.time() + delay > deadline:
                raise
            log.info("nuc-mock not reachable yet (%s); retrying in %.2f s", exc.message, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)
    pair.save(directory)
    log.info("enrolled %s: certificate %x saved in %s", who, pair.certificate.serial_number, directory)
    return pair


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
    return await ensure_identity(
        system_subject(system_id, bin=bin, organisation=organisation),
        directory=system_dir(var_dir, system_id),
        nuc_url=nuc_url,
        var_dir=var_dir,
        key_kind=key_kind,
        renew_before=renew_before,
        wait_seconds=wait_seconds,
        transport=transport,
    )
