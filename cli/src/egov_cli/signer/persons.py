"""Keys of the documented test persons for the signer's folder, certified by nuc-mock (НУЦ РК).

For every test person of ГБД ФЛ (``gbd_fl_mock.domain.test_persons.TEST_PERSONS``) who exists in the
register, the signer's folder gets a sub-folder named after the archetype (``adult``, ``minor``,
``pensioner``…) with an individual's certificate for that ИИН. As a citizen would, the signer makes
the key pair itself and sends nuc-mock only the public key (``POST /api/certificates`` with
``public_key_pem``, through the kit's :func:`egov_kit.pki.ensure_identity`). A person who already
has a key in the folder (any sub-folder, matched by the certificate's ИИН) is skipped, so running it
again only completes the folder.

The staff of phc-registry's medical organisations (``phc_registry.domain.seed.ORGANISATIONS``) get
employee certificates the same way, in sub-folders ``staff-<iin>``: ИИН + the organisation's БИН,
role ``employee`` (``right_of_signature`` for the head, the organisation's authorised person),
surname and given name from the seed. At the workstation the employee confirms a citizen's
application with their own ЭЦП; the draft names them in ``signerIin``, so the signer picks that key.
An employee who already has an employee certificate of that БИН in the folder is skipped.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from egov_kit.errors import KitError
from egov_kit.pki import EnrolmentFailed, SubjectSpec, ensure_identity, identity_from_certificate
from egov_kit.pki.issue import KeyKind
from gbd_fl_mock.domain.test_persons import TEST_PERSONS
from phc_registry.adapters.signers import staff_subject
from phc_registry.domain.model import MedicalOrganisation
from phc_registry.domain.seed import ORGANISATIONS

from egov_cli.signer.keys import KeyStore, StoredKey

log = logging.getLogger("egov.signer")


class IssueFailed(KitError):
    """nuc-mock could not be reached or refused to certify a test person."""

    code = "TEST_PERSON_ISSUE_FAILED"
    exposed = False


STAFF_PREFIX = "staff-"


@dataclass(frozen=True)
class TestPersonKey:
    """One test person's key in the folder: ``issued`` now or already ``present``.

    ``kind`` is ``individual`` for ГБД ФЛ's test persons and ``employee`` for phc-registry's staff
    (then ``bin`` is their organisation's БИН).
    """

    name: str
    iin: str
    status: str
    path: Path
    kind: str = "individual"
    bin: str | None = None

    __test__ = False  # not a pytest test class


def _open_folder(folder: Path) -> KeyStore:
    folder.mkdir(parents=True, exist_ok=True)
    return KeyStore(folder)


async def _certify(
    client: httpx.AsyncClient,
    folder: Path,
    name: str,
    fallback_suffix: str,
    subject: SubjectSpec,
    deadline: float,
    *,
    key_kind: KeyKind,
) -> tuple[str, Path]:
    """A key made here, its public key certified by nuc-mock for ``subject``, saved as ``folder/name``.

    When ``folder/name`` is taken (someone else's key) it is left alone and ``name-<fallback_suffix>``
    is used instead. Retries while nuc-mock is unreachable until ``deadline`` (``time.monotonic``).
    """
    if (folder / name).exists():  # someone else's key under that name: keep it
        name = f"{name}-{fallback_suffix}"
    try:
        await ensure_identity(
            subject,
            directory=folder / name,
            nuc_url=str(client.base_url),
            client=client,
            key_kind=key_kind,
            wait_seconds=max(0.0, deadline - time.monotonic()),
        )
    except EnrolmentFailed as exc:
        raise IssueFailed(exc.message) from exc
    return name, folder / name


def _employee_key_of(store: KeyStore, iin: str, bin_: str) -> StoredKey | None:
    """A key of the folder certifying ``iin`` as an employee of the organisation ``bin_``."""
    for key in store.with_iin(iin):
        if key.kind != "employee":
            continue
        try:
            if identity_from_certificate(key.certificate).bin == bin_:
                return key
        except KitError:
            continue
    return None


async def issue_staff(
    keys_dir: Path | str,
    client: httpx.AsyncClient,
    *,
    wait_seconds: float = 0.0,
    organisations: tuple[MedicalOrganisation, ...] = ORGANISATIONS,
) -> list[TestPersonKey]:
    """Give every employee of phc-registry's seed an employee certificate in ``keys_dir/staff-<iin>``.

    ``client`` is based at nuc-mock; the key is made here and only its public key is sent.
    """
    folder = Path(keys_dir)
    store = await asyncio.to_thread(_open_folder, folder)
    deadline = time.monotonic() + wait_seconds
    result: list[TestPersonKey] = []
    for organisation in organisations:
        for member in organisation.staff:
            present = _employee_key_of(store, member.iin, organisation.bin)
            if present is not None:
                result.append(
                    TestPersonKey(
                        present.name, member.iin, "present", present.path, "employee", organisation.bin
                    )
                )
                continue
            name, path = await _certify(
                client,
                folder,
                f"{STAFF_PREFIX}{member.iin}",
                organisation.bin,
                staff_subject(organisation, member),
                deadline,
                key_kind="ec",
            )
            log.info(
                "issued an employee key for %s (ИИН %s, %s) in %s",
                member.full_name,
                member.iin,
                organisation.code,
                path,
            )
            result.append(TestPersonKey(name, member.iin, "issued", path, "employee", organisation.bin))
    return result


async def issue_test_persons(
    keys_dir: Path | str, client: httpx.AsyncClient, *, wait_seconds: float = 0.0, staff: bool = True
) -> list[TestPersonKey]:
    """Give every registered test person a key in ``keys_dir``; ``client`` is based at nuc-mock.

    Then (unless ``staff`` is false) every employee of phc-registry's seed (:func:`issue_staff`):
    the citizens' keys come first in the result, then the staff's (``kind == "employee"``).
    ``wait_seconds``: how long to keep retrying while nuc-mock is not reachable yet (at start-up).
    """
    folder = Path(keys_dir)
    store = await asyncio.to_thread(_open_folder, folder)
    deadline = time.monotonic() + wait_seconds
    result: list[TestPersonKey] = []
    for test_person in TEST_PERSONS:
        person = test_person.person
        if person is None:
            continue
        present = store.with_iin(test_person.iin)
        if present:
            result.append(TestPersonKey(present[0].name, test_person.iin, "present", present[0].path))
            continue
        name, path = await _certify(
            client,
            folder,
            test_person.archetype,
            test_person.iin,
            SubjectSpec("individual", iin=test_person.iin, surname=person.surname, given_name=person.name),
            deadline,
            key_kind="rsa",
        )
        log.info("issued a key for test person %s (ИИН %s) in %s", name, test_person.iin, path)
        result.append(TestPersonKey(name, test_person.iin, "issued", path))
    if staff:
        remaining = max(0.0, deadline - time.monotonic())
        result.extend(await issue_staff(folder, client, wait_seconds=remaining))
    return result
