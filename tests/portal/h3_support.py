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
from functools import partial
from typing import Any

from egov_cli.replay.h3_portal_actions import tiny_pdf
from egov_kit.clock import now
from egov_kit.documents import h3, rpn
from egov_kit.pki import KeyPair
from egov_portal.adapters.sms import SentSms
from fastapi import FastAPI
from fastapi.testclient import TestClient
from lxml import etree

from tests.portal import support
from tests.portal.support import ADULT, ORGANISATIONS, FakeShep, SyncReply, h1_org, organisation_info

PORTAL_BIN = "091240007895"


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
                            organisation_info(org, attached_section="1", attached_from=date(2024, 1, 15))
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
            organisation=h1_org(),
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
    details = h3.Bilingual("Согласие не дано", "Келісім берілмеді")
    return support.refusal(
        application_id, number, signer, ground=h3.ground(code), details=details, build=h3.build_refusal
    )


#: What the portal's queue consumer does with an UPDATE or RESPONSE of PHC_SanatoriumCard.
deliver = partial(support.deliver, service_id=h3.SHEP_SERVICE_ID)
