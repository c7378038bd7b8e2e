"""Keys for the document tests: nuc-mock in-process (real OCSP and CRL), a citizen, a head; and the
checks every service's application shares."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from egov_kit.documents import h1
from egov_kit.documents.h1 import Recipient
from egov_kit.identifiers import InvalidIdentifier
from egov_kit.pki import CertificateValidator, KeyPair
from egov_kit.shep import SchemaViolation
from lxml import etree

from tests.pki.support import Nuc

CITIZEN_IIN = "880412390017"
OTHER_IIN = "790923490082"
HEAD_IIN = "720314450019"
ORG_BIN = "050240001112"
ORG = h1.Organisation(
    "ZHM-TRZ-01",
    ORG_BIN,
    "Городская поликлиника №1 г. Тараз",
    "Тараз қаласының №1 қалалық емханасы",
    "г. Тараз, ул. Толе би, 1",
    "Тараз қ., Төле би к-сі, 1",
)


async def issue_pair(nuc: Nuc, **subject: Any) -> KeyPair:
    """An EC key and its certificate from the test CA (``subject``: kind, iin/bin, names, roles…)."""
    issued = await nuc.issue(key_type="ec", **subject)
    return issued.pair


def assert_only_its_own_applications(
    build: Callable[..., etree._Element], parse: Callable[[etree._Element], object], tag: Callable[[str], str]
) -> None:
    """A service's application builder/reader refuse a wrong IIN, another serviceId and an H1 application."""
    with pytest.raises(InvalidIdentifier):
        build(recipient=Recipient("880412390018", "Ахметов", "Ерлан"))
    element = build()
    element.find(tag("serviceId")).text = "H1"  # type: ignore[union-attr]
    with pytest.raises(SchemaViolation):
        parse(element)
    with pytest.raises(SchemaViolation):  # an H1 application is not another service's
        parse(
            h1.build_application(
                recipient=Recipient(CITIZEN_IIN, "Ахметов", "Ерлан"), organisation_code="X", reason="r"
            )
        )


@pytest.fixture(scope="module")
def doc_nuc(tmp_path_factory: pytest.TempPathFactory) -> Nuc:
    return Nuc.start(Path(tmp_path_factory.mktemp("documents-nuc")))


@pytest.fixture(scope="module")
async def citizen(doc_nuc: Nuc) -> KeyPair:
    return await issue_pair(
        doc_nuc, kind="individual", iin=CITIZEN_IIN, surname="Ахметов", given_name="Ерлан"
    )


@pytest.fixture(scope="module")
async def other_citizen(doc_nuc: Nuc) -> KeyPair:
    return await issue_pair(
        doc_nuc, kind="individual", iin=OTHER_IIN, surname="Иванова", given_name="Светлана"
    )


@pytest.fixture(scope="module")
async def head(doc_nuc: Nuc) -> KeyPair:
    return await issue_pair(
        doc_nuc,
        kind="employee",
        iin=HEAD_IIN,
        bin=ORG_BIN,
        surname="Садыкова",
        given_name="Гульмира",
        organisation="Городская поликлиника №1 г. Тараз",
        roles=["right_of_signature"],
    )


@pytest.fixture(scope="module")
async def validator(doc_nuc: Nuc) -> AsyncIterator[CertificateValidator]:
    checker = doc_nuc.validator()
    yield checker
    await checker.aclose()
