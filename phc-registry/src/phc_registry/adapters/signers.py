"""Keys of the organisations' authorised persons, who sign talons and refusals (seed 000 §10 process 8).

Each medical organisation's head holds an employee certificate of the НУЦ РК profile: ИИН + the
organisation's БИН, role right_of_signature. At start the key store
``var/phc-registry/signers/<orgcode>/`` is reused while it names the same person and БИН, is not
about to expire and was issued by the cached issuing CA; otherwise a key is generated here and
nuc-mock's ``POST /api/certificates`` (``kind="employee"``, ``public_key_pem``) certifies it — the
private key never leaves the process, exactly like :func:`egov_kit.pki.ensure_system_identity`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from egov_kit.clock import now
from egov_kit.pki import EnrolmentFailed, KeyPair, KeyStoreError, TrustStoreUnavailable, load_trust
from egov_kit.pki.errors import CertificateProfileError
from egov_kit.pki.issue import KeyKind, new_private_key
from egov_kit.pki.keys import as_public_key, load_certificates_pem, public_key_pem
from egov_kit.pki.profile import ROLE_RIGHT_OF_SIGNATURE, identity_from_certificate

from phc_registry.domain.errors import NotReady
from phc_registry.domain.model import MedicalOrganisation, StaffMember

log = logging.getLogger("phc_registry.signers")

RENEW_BEFORE = timedelta(days=7)


def signer_dir(var_dir: Path, organisation: str) -> Path:
    return var_dir / "phc-registry" / "signers" / organisation


def _why_not_reusable(pair: KeyPair, person: StaffMember, bin_: str, var_dir: Path) -> str | None:
    try:
        identity = identity_from_certificate(pair.certificate)
    except CertificateProfileError as exc:
        return exc.message
    if identity.kind != "employee" or identity.iin != person.iin or identity.bin != bin_:
        return f"it names ИИН {identity.iin} / БИН {identity.bin}, not {person.iin} / {bin_}"
    if ROLE_RIGHT_OF_SIGNATURE not in identity.roles:
        return "it has no right of signature"
    moment = now()
    if moment < identity.not_before or moment + RENEW_BEFORE > identity.not_after:
        return "it is not valid now or expires soon"
    try:
        trust = load_trust(var_dir)
    except TrustStoreUnavailable:
        return None
    try:
        pair.certificate.verify_directly_issued_by(trust.issuing)
    except Exception:
        return "it is not issued by the cached issuing CA"
    return None


async def request_employee_certificate(
    organisation: MedicalOrganisation,
    person: StaffMember,
    *,
    nuc_url: str,
    key_kind: KeyKind = "ec",
    transport: httpx.AsyncBaseTransport | None = None,
) -> KeyPair:
    key = new_private_key(key_kind)
    payload: dict[str, Any] = {
        "kind": "employee",
        "iin": person.iin,
        "bin": organisation.bin,
        "surname": person.surname,
        "given_name": person.given_name,
        "organisation": organisation.name_ru,
        "roles": [ROLE_RIGHT_OF_SIGNATURE],
        "key_type": key_kind,
        "public_key_pem": public_key_pem(as_public_key(key.public_key())).decode(),
    }
    url = nuc_url.rstrip("/") + "/api/certificates"
    async with httpx.AsyncClient(transport=transport, timeout=30.0) as client:
        response = await client.post(url, json=payload)
    if response.status_code != 200:
        raise EnrolmentFailed(
            f"nuc-mock refused to certify {person.full_name} ({organisation.code}): "
            f"HTTP {response.status_code} {response.text}"
        )
    try:
        body = response.json()
        cert = x509.load_pem_x509_certificate(body["cert_pem"].encode())
        chain = load_certificates_pem(body.get("chain_pem", "").encode())
        return KeyPair(key, cert, chain)
    except (ValueError, KeyError, TypeError, KeyStoreError) as exc:
        raise EnrolmentFailed(f"nuc-mock's answer for {organisation.code} is unusable: {exc}") from exc


async def ensure_signer(
    organisation: MedicalOrganisation,
    *,
    nuc_url: str,
    var_dir: Path,
    transport: httpx.AsyncBaseTransport | None = None,
    wait_seconds: float = 15.0,
) -> KeyPair:
    """The authorised person's key pair of ``organisation``, enrolled with nuc-mock when needed."""
    person = organisation.authorised_person
    directory = signer_dir(var_dir, organisation.code)
    if KeyPair.exists(directory):
        try:
            stored = KeyPair.load(directory)
        except KeyStoreError as exc:
            log.warning("signer key store of %s unreadable (%s); enrolling again", organisation.code, exc)
        else:
            why = _why_not_reusable(stored, person, organisation.bin, var_dir)
            if why is None:
                return stored
            log.info("signer of %s not reused: %s; enrolling again", organisation.code, why)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    delay = 0.25
    while True:
        try:
            pair = await request_employee_certificate(
                organisation, person, nuc_url=nuc_url, transport=transport
            )
            break
        except httpx.HTTPError as exc:
            if loop.time() + delay > deadline:
                raise EnrolmentFailed(f"nuc-mock at {nuc_url} is unreachable: {exc}") from exc
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)
    pair.save(directory)
    log.info(
        "enrolled the authorised person of %s (%s): certificate %x",
        organisation.code,
        person.full_name,
        pair.certificate.serial_number,
    )
    return pair


class SignerStore:
    """The authorised persons' key pairs by organisation code."""

    def __init__(self, pairs: dict[str, KeyPair] | None = None) -> None:
        self._pairs: dict[str, KeyPair] = dict(pairs or {})

    def __contains__(self, organisation: str) -> bool:
        return organisation in self._pairs

    def __len__(self) -> int:
        return len(self._pairs)

    def add(self, organisation: str, pair: KeyPair) -> None:
        self._pairs[organisation] = pair

    def for_organisation(self, organisation: str) -> KeyPair:
        pair = self._pairs.get(organisation)
        if pair is None:
            raise NotReady(f"the authorised person's key of {organisation} is not enrolled yet")
        return pair

    async def enrol(
        self,
        organisations: Iterable[MedicalOrganisation],
        *,
        nuc_url: str,
        var_dir: Path,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        for organisation in organisations:
            self._pairs[organisation.code] = await ensure_signer(
                organisation, nuc_url=nuc_url, var_dir=var_dir, transport=transport
            )
