"""Keys for the document tests: nuc-mock in-process (real OCSP and CRL), a citizen, a head."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from egov_kit.pki import CertificateValidator, KeyPair

from tests.pki.support import Nuc

CITIZEN_IIN = "880412390017"
OTHER_IIN = "790923490082"
HEAD_IIN = "720314450019"
ORG_BIN = "050240001112"


@pytest.fixture(scope="module")
def doc_nuc(tmp_path_factory: pytest.TempPathFactory) -> Nuc:
    return Nuc.start(Path(tmp_path_factory.mktemp("documents-nuc")))


@pytest.fixture(scope="module")
async def citizen(doc_nuc: Nuc) -> KeyPair:
    issued = await doc_nuc.issue(
        kind="individual", iin=CITIZEN_IIN, surname="Ахметов", given_name="Ерлан", key_type="ec"
    )
    return issued.pair


@pytest.fixture(scope="module")
async def other_citizen(doc_nuc: Nuc) -> KeyPair:
    issued = await doc_nuc.issue(
        kind="individual", iin=OTHER_IIN, surname="Иванова", given_name="Светлана", key_type="ec"
    )
    return issued.pair


@pytest.fixture(scope="module")
async def head(doc_nuc: Nuc) -> KeyPair:
    issued = await doc_nuc.issue(
        kind="employee",
        iin=HEAD_IIN,
        bin=ORG_BIN,
        surname="Садыкова",
        given_name="Гульмира",
        organisation="Городская поликлиника №1 г. Тараз",
        roles=["right_of_signature"],
        key_type="ec",
    )
    return issued.pair


@pytest.fixture(scope="module")
async def validator(doc_nuc: Nuc) -> AsyncIterator[CertificateValidator]:
    checker = doc_nuc.validator()
    yield checker
    await checker.aclose()
