"""Keys of the organisations' authorised persons, who sign talons and refusals (seed 000 §10 process 8).

Each medical organisation's head holds an employee certificate of the НУЦ РК profile: ИИН + the
organisation's БИН, role right_of_signature, kept in ``var/phc-registry/signers/<orgcode>/``. The
kit's :func:`egov_kit.pki.ensure_identity` reuses it while it names the same person, БИН and role,
is not about to expire and was issued by the cached issuing CA; otherwise it generates a key here
and has nuc-mock certify its public key (the private key never leaves the process).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import httpx
from egov_kit.pki import KeyPair, SubjectSpec, ensure_identity
from egov_kit.pki.profile import ROLE_EMPLOYEE, ROLE_RIGHT_OF_SIGNATURE

from phc_registry.domain.errors import NotReady
from phc_registry.domain.model import MedicalOrganisation, StaffMember


def signer_dir(var_dir: Path, organisation: str) -> Path:
    return var_dir / "phc-registry" / "signers" / organisation


def staff_roles(member: StaffMember) -> frozenset[str]:
    """``right_of_signature`` for the organisation's authorised person (its head), ``employee`` else."""
    return frozenset({ROLE_RIGHT_OF_SIGNATURE if member.authorised else ROLE_EMPLOYEE})


def staff_subject(organisation: MedicalOrganisation, member: StaffMember) -> SubjectSpec:
    """The subject of ``member``'s employee certificate: ИИН + the organisation's БИН, :func:`staff_roles`."""
    return SubjectSpec(
        "employee",
        iin=member.iin,
        bin=organisation.bin,
        surname=member.surname,
        given_name=member.given_name,
        organisation=organisation.name_ru,
        roles=staff_roles(member),
    )


async def ensure_signer(
    organisation: MedicalOrganisation,
    *,
    nuc_url: str,
    var_dir: Path,
    transport: httpx.AsyncBaseTransport | None = None,
    wait_seconds: float = 15.0,
) -> KeyPair:
    """The authorised person's key pair of ``organisation``, enrolled with nuc-mock when needed."""
    return await ensure_identity(
        staff_subject(organisation, organisation.authorised_person),
        directory=signer_dir(var_dir, organisation.code),
        nuc_url=nuc_url,
        var_dir=var_dir,
        key_kind="ec",
        wait_seconds=wait_seconds,
        transport=transport,
    )


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
