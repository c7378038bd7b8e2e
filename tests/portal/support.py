"""Test harness of egov-portal: a throwaway CA (nuc-mock in-process), a fake ШЭП, signing helpers.

``FakeShep`` stands in for the portal's ШЭП client: GBDFL_UniversalServiceSync answers from
gbd-fl-mock's documented test persons (rendered by gbd-fl-mock's own XML mapping),
RPN_MedicalOrganizationsSync from a small list of organisations, and every asynchronous send is
recorded. ``Ca`` is nuc-mock's real app (OCSP, CRL, issue/revoke API) reached through
``httpx.ASGITransport`` by the portal's certificate validator.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from egov_kit.clock import now
from egov_kit.documents import h1, rpn
from egov_kit.errors import KitError
from egov_kit.pki import CertificateValidator, KeyPair
from egov_kit.shep.models import MessageType
from egov_kit.shep.provider import ShepContext
from egov_kit.telemetry import current_trace_id
from fastapi import FastAPI
from fastapi.testclient import TestClient
from gbd_fl_mock.adapters.xml_body import NS as GBDFL_NS
from gbd_fl_mock.adapters.xml_body import render_response
from gbd_fl_mock.domain.results import lookup_result
from gbd_fl_mock.domain.test_persons import TEST_PERSONS
from lxml import etree
from nuc_mock.entrypoints.app import create_app as create_nuc_app
from nuc_mock.settings import Settings as NucSettings

NUC_URL = "http://nuc.test"

ADULT = "880412390017"  # Жамбылская (Тараз)
ADULT_VKO = "790923490082"  # Восточно-Казахстанская
DECEASED = "500720390430"
ABSENT = "900101390508"
BAD_CHECK_DIGIT = "880412390018"
PASSWORD = "correct-horse-1"
PHONE = "+7 701 234 56 78"

ORG_BIN = "100140000013"
ORG_BIN_VKO = "200440000015"


@dataclass(frozen=True)
class Org:
    code: str
    bin: str
    name_ru: str
    name_kk: str
    region: str
    locality: str


ORGANISATIONS = (
    Org(
        "ZHM-TRZ-01",
        ORG_BIN,
        "Городская поликлиника №1 г. Тараз",
        "Тараз қ. №1 қалалық емханасы",
        "310000000",
        "311001000",
    ),
    Org(
        "ZHM-TRZ-02",
        ORG_BIN,
        "Городская поликлиника №2 г. Тараз",
        "Тараз қ. №2 қалалық емханасы",
        "310000000",
        "311001000",
    ),
    Org(
        "VKO-UKG-01",
        ORG_BIN_VKO,
        "Поликлиника №1 г. Усть-Каменогорск",
        "Өскемен қ. №1 емханасы",
        "630000000",
        "631001000",
    ),
)


# --- a throwaway CA: nuc-mock in-process ------------------------------------------------------------
@dataclass
class Ca:
    app: FastAPI
    client: TestClient

    @classmethod
    def start(cls, var_dir: Path) -> Ca:
        app = create_nuc_app(NucSettings(var_dir=var_dir, nuc_url=NUC_URL))
        return cls(app, TestClient(app, base_url=NUC_URL))

    def issue(self, **payload: Any) -> tuple[str, KeyPair]:
        body: dict[str, Any] = {"kind": "individual", "surname": "Testov", "given_name": "Test"}
        body.update(payload)
        for key in ("not_before", "not_after"):
            if isinstance(body.get(key), datetime):
                body[key] = body[key].isoformat()
        response = self.client.post("/api/certificates", json=body)
        assert response.status_code == 200, response.text
        data = response.json()
        pair = KeyPair.from_pem(
            data["key_pem"].encode(), data["cert_pem"].encode(), data["chain_pem"].encode()
        )
        return data["serial"], pair

    def revoke(self, serial: str) -> None:
        response = self.client.post(f"/api/certificates/{serial}/revoke", json={"reason": "key_compromise"})
        assert response.status_code == 200, response.text

    def validator(self) -> CertificateValidator:
        service = self.app.state.service
        return CertificateValidator(
            [service.ca.root.certificate],
            [service.ca.issuing.certificate],
            transport=httpx.ASGITransport(app=self.app),
        )


@dataclass
class Keys:
    adult: KeyPair
    adult_vko: KeyPair
    expired: KeyPair
    revoked: KeyPair
    employee: KeyPair  # right of signature at ORG_BIN
    stranger: KeyPair  # employee of another organisation


def issue_keys(ca: Ca) -> Keys:
    _, adult = ca.issue(iin=ADULT, surname="Ахметов", given_name="Ерлан")
    _, adult_vko = ca.issue(iin=ADULT_VKO, surname="Иванова", given_name="Светлана")
    past = datetime.now(UTC) - timedelta(days=400)
    _, expired = ca.issue(iin=ADULT, not_before=past, not_after=past + timedelta(days=30))
    serial, revoked = ca.issue(iin=ADULT)
    ca.revoke(serial)
    _, employee = ca.issue(
        kind="employee",
        iin="801017390711",
        bin=ORG_BIN,
        organisation="Поликлиника №1",
        roles=["right_of_signature"],
    )
    _, stranger = ca.issue(
        kind="employee",
        iin="801017390711",
        bin=ORG_BIN_VKO,
        organisation="Чужая",
        roles=["right_of_signature"],
    )
    return Keys(adult, adult_vko, expired, revoked, employee, stranger)


# --- the fake ШЭП --------------------------------------------------------------------------------------
@dataclass
class SyncReply:
    data: etree._Element | None


@dataclass
class SentMessage:
    service_id: str
    element: etree._Element
    message_type: MessageType
    message_id: str
    trace_id: str | None


@dataclass
class FakeShep:
    sync_calls: list[tuple[str, etree._Element, str | None]] = field(default_factory=list)
    sent: list[SentMessage] = field(default_factory=list)
    fail_sync: dict[str, KitError] = field(default_factory=dict)
    fail_async: KitError | None = None

    async def send_sync(self, service_id: str, data: etree._Element | None) -> SyncReply:
        assert data is not None
        self.sync_calls.append((service_id, data, current_trace_id()))
        if service_id in self.fail_sync:
            raise self.fail_sync[service_id]
        if service_id == "GBDFL_UniversalServiceSync":
            return SyncReply(gbdfl_answer(data))
        if service_id == "RPN_MedicalOrganizationsSync":
            return SyncReply(rpn_answer(data))
        raise KitError(f"no such service {service_id}", code="SERVICE_UNKNOWN")

    async def send_async(
        self,
        service_id: str,
        data: etree._Element,
        *,
        message_type: MessageType = MessageType.REQUEST,
        message_id: str | None = None,
    ) -> object:
        if self.fail_async is not None:
            raise self.fail_async
        self.sent.append(SentMessage(service_id, data, message_type, message_id or "", current_trace_id()))
        return object()

    def calls_of(self, service_id: str) -> int:
        return sum(1 for call in self.sync_calls if call[0] == service_id)


def gbdfl_answer(request: etree._Element) -> etree._Element:
    iin = request.findtext(f"{{{GBDFL_NS}}}iin") or ""
    number = request.findtext(f"{{{GBDFL_NS}}}requestNumber")
    person = next((entry.person for entry in TEST_PERSONS if entry.iin == iin), None)
    return render_response(number, lookup_result(person), person, today=now().date())


ORG_ADDRESS = ("ул. Толе би, 1", "Төле би көшесі, 1")  # every test organisation's (ru, kk)


def organisation_info(org: Org, **attachment: Any) -> rpn.OrganisationInfo:
    """An organisation as РПН describes it (``attachment``: attached_section/attached_from, if any)."""
    return rpn.OrganisationInfo(
        code=org.code,
        bin=org.bin,
        name_ru=org.name_ru,
        name_kk=org.name_kk,
        address_ru=ORG_ADDRESS[0],
        address_kk=ORG_ADDRESS[1],
        region_code=org.region,
        locality_code=org.locality,
        sections=(rpn.SectionInfo("1", "Участок 1", "1-учаске", org.locality, "Тараз", "Тараз"),),
        **attachment,
    )


def rpn_answer(request: etree._Element) -> etree._Element:
    asked = rpn.parse_request(request)
    return rpn.build_response(
        asked.request_number,
        [
            organisation_info(org)
            for org in ORGANISATIONS
            if not asked.region_code or org.region == asked.region_code
        ],
    )


# --- documents -----------------------------------------------------------------------------------------
def sign(xml: str, keypair: KeyPair) -> str:
    element = etree.fromstring(xml.encode("utf-8"))
    h1.sign_with(element, keypair)
    return etree.tostring(element, encoding="unicode")


def h1_org(org: Org = ORGANISATIONS[0]) -> h1.Organisation:
    return h1.Organisation(org.code, org.bin, org.name_ru, org.name_kk, *ORG_ADDRESS)


def status_update(application_id: str, number: str) -> etree._Element:
    return h1.build_status(
        h1.ApplicationStatus(
            application_id=application_id,
            registration_number=number,
            status="REGISTERED",
            status_at=now(),
            message=h1.Bilingual("Заявление зарегистрировано", "Өтініш тіркелді"),
        )
    )


def talon(application_id: str, number: str, signer: KeyPair, *, iin: str = ADULT) -> etree._Element:
    element = h1.build_talon(
        h1.Talon(
            talon_number="T-2025-000001",
            registration_number=number,
            application_id=application_id,
            recipient=h1.TalonRecipient(iin, "Ахметов Ерлан Серікович", datetime(1988, 4, 12).date()),
            organisation=h1_org(),
            section="1",
            doctor=h1.Doctor("Иванов Иван Иванович", "Врач общей практики", "Жалпы практика дәрігері"),
            attached_from=now().date(),
            issued_at=now(),
        )
    )
    return h1.sign_with(element, signer)


ALREADY_ATTACHED = h1.Ground(
    "ALREADY_ATTACHED",
    "Услугополучатель уже прикреплён к этой медицинской организации",
    "Көрсетілетін қызметті алушы осы медициналық ұйымға бекітілген",
)

NO_NEED_TO_REATTACH = h1.Bilingual("Повторное прикрепление не требуется", "Қайта бекіту қажет емес")


def refusal(
    application_id: str,
    number: str,
    signer: KeyPair,
    *,
    ground: h1.Ground = ALREADY_ATTACHED,
    details: h1.Bilingual = NO_NEED_TO_REATTACH,
    organisation: h1.Organisation | None = None,
    build: Callable[[h1.Refusal], etree._Element] = h1.build_refusal,
) -> etree._Element:
    """РПН's motivated refusal to ADULT (H1's by default; ``build``: the service's builder), signed."""
    element = build(
        h1.Refusal(
            recipient_iin=ADULT,
            organisation=organisation or h1_org(),
            ground=ground,
            details=details,
            issued_at=now(),
            registration_number=number,
            application_id=application_id,
        )
    )
    return h1.sign_with(element, signer)


def context(message_type: str, correlation_id: str | None, service_id: str = "RPN_Attachment") -> ShepContext:
    """How a message from РПН (PHC_REGISTRY) of ``service_id`` reaches the portal's handler."""
    return ShepContext(
        message_id=str(uuid.uuid4()),
        service_id=service_id,
        sender_id="PHC_REGISTRY",
        correlation_id=correlation_id,
        message_type=message_type,
    )


def submit(
    client: TestClient, token: str, application_id: str, signed_xml: str, *, service_id: str = "H1"
) -> Any:
    """Condition 2 asked of the portal: the signed application posted to ``/api/applications/{service}``."""
    return client.post(
        f"/api/applications/{service_id}",
        json={"applicationId": application_id, "signed_xml": signed_xml},
        headers={"X-CSRF-Token": token},
    )


def deliver(
    client: TestClient,
    element: etree._Element,
    message_type: str,
    correlation_id: str | None,
    *,
    service_id: str = "RPN_Attachment",
) -> None:
    """What the portal's queue consumer does with РПН's UPDATE or RESPONSE on ``service_id``."""
    applications = client.app.state.portal.applications  # type: ignore[attr-defined]
    assert client.portal is not None
    client.portal.call(
        applications.on_provider_message, element, context(message_type, correlation_id, service_id)
    )
