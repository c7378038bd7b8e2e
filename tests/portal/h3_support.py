"""Test harness of the portal's H3 (seed 004): files, a fake SMS gateway, РПН's answers, the portal key.

``H3Shep`` is the portal tests' fake ШЭП (``support.FakeShep``) that also answers the attachment
look-up (``RPN_MedicalOrganizationsSync`` with ``recipientIin``) from a map ИИН → organisation.
``FakeSms`` records what the portal sends, as the phone's outbox would show it. The documents РПН
answers with (status with ``registeredFor``/``dueAt``, card 069/у, refusal) are built with
``egov_kit.documents.h3`` and signed by the organisation's employee of ``support.Keys``.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from egov_kit.clock import now
from egov_kit.documents import h3, rpn
from egov_kit.pki import KeyPair
from egov_kit.shep.provider import ShepContext
from egov_portal.adapters.sms import SentSms
from fastapi import FastAPI
from fastapi.testclient import TestClient
from lxml import etree

from tests.portal.support import ADULT, ORG_BIN, ORGANISATIONS, FakeShep, SyncReply

PORTAL_BIN = "091240007895"


def tiny_pdf(text: str = "H3") -> bytes:
    """A small valid PDF: one page, the byte offsets of its cross-reference table computed."""
    stream = f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>",
        b"<</Length " + str(len(stream)).encode() + b">>stream\n" + stream + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer<</Size {len(objects) + 1}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


PDF = tiny_pdf()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
MiB = 1024 * 1024
OTHER_PHONE = "+7 777 000 11 22"
CODE = re.compile(r"(?:құпиясөз|пароль): (\d{4,10})")


@dataclass
class SentText:
    to: str
    text: str
    reference: str | None


@dataclass
class FakeSms:
    """The SMS gateway: what the phone received (newest last)."""

    sent: list[SentText] = field(default_factory=list)
    fail: Exception | None = None

    async def send(self, *, to: str, text: str, reference: str | None = None) -> SentSms:
        if self.fail is not None:
            raise self.fail
        self.sent.append(SentText(to, text, reference))
        return SentSms(id=str(uuid.uuid4()), to=to, parts=len(text) // 67 + 1)

    def last_code(self, to: str | None = None) -> str:
        texts = [m for m in self.sent if to is None or m.to == to]
        assert texts, "no SMS was sent"
        found = CODE.search(texts[-1].text)
        assert found is not None, texts[-1].text
        return found.group(1)


@dataclass
class H3Shep(FakeShep):
    """The fake ШЭП, answering the attachment look-up from ``attached`` (ИИН → organisation code)."""

    attached: dict[str, str | None] = field(default_factory=lambda: {ADULT: "ZHM-TRZ-01"})

    async def send_sync(self, service_id: str, data: etree._Element | None) -> SyncReply:
        if service_id == "RPN_MedicalOrganizationsSync" and data is not None:
            asked = rpn.parse_request(data)
            if asked.recipient_iin:
                self.sync_calls.append((service_id, data, None))
                if service_id in self.fail_sync:
                    raise self.fail_sync[service_id]
                code = self.attached.get(asked.recipient_iin)
                found = [org for org in ORGANISATIONS if org.code == code]
                return SyncReply(
                    rpn.build_response(
                        asked.request_number,
                        [
                            rpn.OrganisationInfo(
                                code=org.code,
                                bin=org.bin,
                                name_ru=org.name_ru,
                                name_kk=org.name_kk,
                                address_ru="ул. Толе би, 1",
                                address_kk="Төле би көшесі, 1",
                                region_code=org.region,
                                locality_code=org.locality,
                                sections=(
                                    rpn.SectionInfo(
                                        "1", "Участок 1", "1-учаске", org.locality, "Тараз", "Тараз"
                                    ),
                                ),
                                attached_section="1",
                                attached_from=date(2024, 1, 15),
                            )
                            for org in found
                        ],
                    )
                )
        return await super().send_sync(service_id, data)


def portal_key(ca: Any) -> KeyPair:
    """The portal's own system certificate (CN=EGOV_PORTAL, OU=BIN091240007895) from the test CA."""
    _, keypair = ca.issue(
        kind="system", system_id="EGOV_PORTAL", bin=PORTAL_BIN, organisation="АО «НИТ» (тест)"
    )
    return keypair


def wire(app: FastAPI, sms: FakeSms, key: KeyPair) -> None:
    app.state.h3.otp.sms = sms
    app.state.h3.use_system_key(key)


# --- the form ------------------------------------------------------------------------------------
def form_fields(**overrides: Any) -> dict[str, str]:
    fields = {
        "diagnosisCode": "M17.1",
        "diagnosisText": "Первичный двусторонний гонартроз",
        "examinedOn": (now().date() - timedelta(days=3)).isoformat(),
        "consent": "on",
        "confirmation": "eds",
    }
    fields.update({k: v for k, v in overrides.items() if v is not None})
    return {k: v for k, v in fields.items() if v != ""}


def draft(
    client: TestClient,
    token: str,
    *,
    files: list[tuple[str, bytes, str]] | None = None,
    headers: dict[str, str] | None = None,
    **fields: Any,
) -> Any:
    """``POST /api/applications/H3/draft`` as multipart/form-data."""
    chosen = [("analysis.pdf", PDF, "application/pdf")] if files is None else files
    return client.post(
        "/api/applications/H3/draft",
        data=form_fields(**fields),
        files=[("files", (name, content, media)) for name, content, media in chosen] or None,
        headers={"X-CSRF-Token": token, **(headers or {})},
    )


def stored_files(app: FastAPI) -> list[Any]:
    files: list[Any] = app.state.h3.files.files()
    return files


# --- РПН's answers (processes 6–8) ---------------------------------------------------------------
def h3_org() -> h3.Organisation:
    org = ORGANISATIONS[0]
    return h3.Organisation(org.code, ORG_BIN, org.name_ru, org.name_kk, "ул. Толе би, 1", "Төле би көшесі, 1")


def status(application_id: str, number: str, registered_for: datetime, due_at: datetime) -> etree._Element:
    return h3.build_status(
        h3.SanatoriumStatus(
            application_id=application_id,
            registration_number=number,
            status="REGISTERED",
            status_at=now(),
            registered_for=registered_for,
            due_at=due_at,
            message=h3.Bilingual("Запрос зарегистрирован", "Сұрау тіркелді"),
        )
    )


def card(application_id: str, number: str, signer: KeyPair, *, iin: str = ADULT) -> etree._Element:
    issued = now()
    element = h3.build_card(
        h3.SanatoriumCard(
            card_number="SK-2025-000001",
            registration_number=number,
            application_id=application_id,
            channel="portal",
            issued_at=issued,
            valid_until=h3.card_valid_until(issued),
            organisation=h3_org(),
            recipient=h3.CardRecipient(
                iin=iin,
                full_name="Ахметов Ерлан Серікович",
                birth_date=date(1988, 4, 12),
                sex=h3.Bilingual("мужской", "ер"),
                address=h3.Bilingual("г. Тараз, ул. Абая, 1", "Тараз қ., Абай к-сі, 1"),
            ),
            diagnosis_code="M17.1",
            diagnosis_text="Первичный двусторонний гонартроз",
            examined_on=issued.date() - timedelta(days=3),
            treatment=h3.Treatment(
                profile=h3.Bilingual("болезни костно-мышечной системы", "сүйек-бұлшықет жүйесінің аурулары"),
                climate_zone=h3.Bilingual("местная", "жергілікті"),
                season=h3.Bilingual("круглогодично", "жыл бойы"),
            ),
            doctor=h3.Signatory("Иванов Иван Иванович", "врач общей практики", "жалпы практика дәрігері"),
            head=h3.Signatory("Сапаров Нурлан Бекович", "главный врач", "бас дәрігер"),
        )
    )
    return h3.sign_with(element, signer)


def refusal(application_id: str, number: str, signer: KeyPair, code: str = "NO_CONSENT") -> etree._Element:
    element = h3.build_refusal(
        h3.Refusal(
            recipient_iin=ADULT,
            organisation=h3_org(),
            ground=h3.ground(code),
            details=h3.Bilingual("Согласие не дано", "Келісім берілмеді"),
            issued_at=now(),
            registration_number=number,
            application_id=application_id,
        )
    )
    return h3.sign_with(element, signer)


def deliver(client: TestClient, element: etree._Element, message_type: str, correlation_id: str) -> None:
    """What the portal's queue consumer does with an UPDATE or RESPONSE of PHC_SanatoriumCard."""
    applications = client.app.state.portal.applications  # type: ignore[attr-defined]
    context = ShepContext(
        message_id=str(uuid.uuid4()),
        service_id=h3.SHEP_SERVICE_ID,
        sender_id="PHC_REGISTRY",
        correlation_id=correlation_id,
        message_type=message_type,
    )
    assert client.portal is not None
    client.portal.call(applications.on_provider_message, element, context)
