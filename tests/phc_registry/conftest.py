"""Fixtures of the phc-registry tests: nuc-mock in-process, keys, an in-memory ШЭП client, the app.

ГБД ФЛ is faked at the ШЭП client: ``FakeShep.send_sync`` answers ``GBDFL_UniversalServiceSync``
with the real gbd-fl-mock body for its documented test persons, and ``send_async`` records the
UPDATE / RESPONSE messages РПН sends back. Everything else (XSD, signatures, OCSP through nuc-mock,
the database) is real.
"""

from __future__ import annotations

import copy
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from egov_kit.db import create_engine_for, create_tables
from egov_kit.pki import CertificateValidator, KeyPair
from egov_kit.shep.models import MessageType
from egov_kit.shep.provider import ShepContext
from fastapi import FastAPI
from fastapi.testclient import TestClient
from gbd_fl_mock.adapters import xml_body
from gbd_fl_mock.domain.results import lookup_result
from gbd_fl_mock.domain.test_persons import TEST_PERSONS
from lxml import etree
from phc_registry.adapters.gbdfl import ShepPersonRegistry
from phc_registry.adapters.orm import TABLES
from phc_registry.adapters.scans import ScanStore
from phc_registry.adapters.shep_replies import ShepReplies
from phc_registry.adapters.signers import SignerStore
from phc_registry.domain import seed
from phc_registry.entrypoints.app import create_app
from phc_registry.service_layer import workstation
from phc_registry.service_layer.runtime import PhcRuntime, Ports
from phc_registry.service_layer.unit_of_work import sql_unit_of_work_factory
from phc_registry.settings import Settings

from tests.pki.support import NUC_URL, Nuc

REGISTRY_BIN = "020640002348"
TEST_PORT_OFFSET = int(os.environ.get("TEST_PORT_OFFSET", "10000"))
TRZ01_REGISTRAR = "900721450020"
TRZ05_REGISTRAR = "950211450077"


@dataclass
class Reply:
    service_id: str
    element: etree._Element
    message_type: MessageType
    correlation_id: str | None


@dataclass
class SyncAnswer:
    data: etree._Element | None


@dataclass
class FakeShep:
    """An in-memory ШЭП client: ГБД ФЛ's answers for its test persons, and the replies sent."""

    replies: list[Reply] = field(default_factory=list)
    sync_calls: list[tuple[str, str]] = field(default_factory=list)
    down: bool = False

    async def send_sync(self, service_id: str, data: etree._Element | None, **_: Any) -> SyncAnswer:
        assert service_id == "GBDFL_UniversalServiceSync" and data is not None
        if self.down:
            from egov_kit.errors import KitError

            raise KitError("the gateway is unreachable (test)", code="GATEWAY_UNREACHABLE")
        request = xml_body.parse_request(data)  # the real contract check of the body РПН sent
        self.sync_calls.append((service_id, request.iin))
        person = next((entry.person for entry in TEST_PERSONS if entry.iin == request.iin), None)
        answer = xml_body.render_response(
            request.request_number, lookup_result(person), person, today=date(2025, 3, 3)
        )
        return SyncAnswer(answer)

    async def send_async(
        self,
        service_id: str,
        data: etree._Element,
        *,
        message_type: MessageType = MessageType.REQUEST,
        correlation_id: str | None = None,
        **_: Any,
    ) -> None:
        self.replies.append(Reply(service_id, copy.deepcopy(data), message_type, correlation_id))

    def of(self, message_id: str, kind: MessageType | None = None) -> list[Reply]:
        return [
            r
            for r in self.replies
            if r.correlation_id == message_id and (kind is None or r.message_type == kind)
        ]


# --- the broker of the landscape test ------------------------------------------------------------


@pytest.fixture(scope="session")
def phc_nuc(tmp_path_factory: pytest.TempPathFactory) -> Nuc:
    return Nuc.start(Path(tmp_path_factory.mktemp("phc-nuc")))


@pytest.fixture(scope="session")
async def phc_validator(phc_nuc: Nuc) -> AsyncIterator[CertificateValidator]:
    validator = phc_nuc.validator()
    yield validator
    await validator.aclose()


@pytest.fixture(scope="session")
async def signers(phc_nuc: Nuc, tmp_path_factory: pytest.TempPathFactory) -> SignerStore:
    """The authorised persons' keys, enrolled the way the service does it (public key to nuc-mock)."""
    store = SignerStore()
    await store.enrol(
        seed.ORGANISATIONS,
        nuc_url=NUC_URL,
        var_dir=Path(tmp_path_factory.mktemp("phc-signers")),
        transport=phc_nuc.transport,
    )
    return store


@pytest.fixture(scope="session")
async def registry_keypair(phc_nuc: Nuc) -> KeyPair:
    issued = await phc_nuc.issue(
        kind="system", system_id="PHC_REGISTRY", bin=REGISTRY_BIN, organisation="РПН", key_type="ec"
    )
    return issued.pair


async def _person_key(nuc: Nuc, iin: str, surname: str, given_name: str) -> KeyPair:
    issued = await nuc.issue(
        kind="individual", iin=iin, surname=surname, given_name=given_name, key_type="ec"
    )
    return issued.pair


async def _employee_key(nuc: Nuc, iin: str) -> KeyPair:
    org = seed.employer_of(iin)
    assert org is not None
    member = org.member(iin)
    assert member is not None
    issued = await nuc.issue(
        kind="employee",
        iin=iin,
        bin=org.bin,
        surname=member.surname,
        given_name=member.given_name,
        organisation=org.name_ru,
        roles=["employee"],
        key_type="ec",
    )
    return issued.pair


@pytest.fixture(scope="session")
async def person_keys(phc_nuc: Nuc) -> dict[str, KeyPair]:
    """Keys of ГБД ФЛ's test persons (individual certificates), by ИИН."""
    people = {
        "880412390017": ("Ахметов", "Ерлан"),
        "790923490082": ("Иванова", "Светлана"),
        "920205490157": ("Жумабаева", "Айгүл"),
        "500720390430": ("Омаров", "Болат"),
        "900101390508": ("Тестов", "Тест"),
        "541130390295": ("Петров", "Виктор"),
    }
    return {iin: await _person_key(phc_nuc, iin, *names) for iin, names in people.items()}


@pytest.fixture(scope="session")
async def employee_keys(phc_nuc: Nuc) -> dict[str, KeyPair]:
    return {iin: await _employee_key(phc_nuc, iin) for iin in (TRZ01_REGISTRAR, TRZ05_REGISTRAR)}


# --- spans ---------------------------------------------------------------------------------------


# --- the service layer without HTTP --------------------------------------------------------------


@pytest.fixture
def fake_shep() -> FakeShep:
    return FakeShep()


@pytest.fixture
def runtime(
    tmp_path: Path,
    fake_shep: FakeShep,
    phc_validator: CertificateValidator,
    signers: SignerStore,
    registry_keypair: KeyPair,
) -> PhcRuntime:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'phc.sqlite'}")
    create_tables(engine, *TABLES)
    uow_factory = sql_unit_of_work_factory(engine)
    workstation.seed_attachments(uow_factory)
    return PhcRuntime(
        uow_factory=uow_factory,
        scans=ScanStore(tmp_path / "scans"),
        system_bin=REGISTRY_BIN,
        signers=signers,
        person_registry=ShepPersonRegistry(lambda: fake_shep, requestor_bin=REGISTRY_BIN),
        replies=ShepReplies(lambda: fake_shep),  # type: ignore[arg-type,return-value]
        certificate_validator=phc_validator,
        registry_keypair=registry_keypair,
    )


def context(message_type: str = "REQUEST", message_id: str | None = None) -> ShepContext:
    return ShepContext(
        message_id=message_id or str(uuid.uuid4()),
        service_id="RPN_Attachment",
        sender_id="EGOV_PORTAL",
        message_type=message_type,
    )


# --- the app (workstation) -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def app_shep() -> FakeShep:
    return FakeShep()


@pytest.fixture(scope="module")
def phc_app(
    tmp_path_factory: pytest.TempPathFactory,
    app_shep: FakeShep,
    phc_validator: CertificateValidator,
    signers: SignerStore,
    registry_keypair: KeyPair,
) -> Iterator[FastAPI]:
    settings = Settings(var_dir=tmp_path_factory.mktemp("phc-var"))
    ports = Ports(
        person_registry=ShepPersonRegistry(lambda: app_shep, requestor_bin=REGISTRY_BIN),
        replies=ShepReplies(lambda: app_shep),  # type: ignore[arg-type,return-value]
        certificate_validator=phc_validator,
        signers=signers,
        registry_keypair=registry_keypair,
    )
    app = create_app(settings, serve_shep=False, ports=ports)
    with TestClient(app):  # runs the lifespan once: seed accounts and attachments
        yield app


@pytest.fixture
def client(phc_app: FastAPI) -> TestClient:
    """A fresh browser (no cookies) on the started app."""
    return TestClient(phc_app)
