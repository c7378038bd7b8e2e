"""H3's ШЭП handler in РПН with an in-memory ШЭП client: ``PHC_SanatoriumCard`` (seed 004).

ГБД ФЛ answers with gbd-fl-mock's real bodies for its test persons; signatures, certificates
(nuc-mock in-process), the XSD and the database are real.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from egov_kit.calendar import get_calendar
from egov_kit.clock import KZ_TZ, now
from egov_kit.documents import h3
from egov_kit.pki import CertificateValidator, KeyPair
from egov_kit.shep.models import MessageType
from egov_kit.shep.provider import ShepContext
from lxml import etree
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from phc_registry.entrypoints import shep
from phc_registry.service_layer import sanatorium
from phc_registry.service_layer.runtime import PhcRuntime
from phc_registry.service_layer.sanatorium_channel import handle_sanatorium_request

from tests.phc_registry.conftest import FakeShep
from tests.phc_registry.handler_support import (
    KIM,
    PETROV,
    SHU_BIN,
    SHU_HEAD,
    expected_spans,
    h3_request,
    step_names,
)
from tests.pki.support import Nuc

NUMBER = re.compile(r"RPN-\d{4}-\d{6}")
PDF = b"%PDF-1.4\n" + b"analyses " * 20


@pytest.fixture(scope="module")
async def portal_key(phc_nuc: Nuc) -> KeyPair:
    issued = await phc_nuc.issue(
        kind="system", system_id="EGOV_PORTAL", bin=h3.PORTAL_BIN, organisation="EGOV_PORTAL", key_type="ec"
    )
    return issued.pair


def ctx(message_id: str | None = None) -> ShepContext:
    return ShepContext(
        message_id=message_id or str(uuid.uuid4()),
        service_id=h3.SHEP_SERVICE_ID,
        sender_id="EGOV_PORTAL",
        message_type="REQUEST",
    )


def request(key: KeyPair | None, person: tuple[str, ...] = PETROV, **fields: Any) -> etree._Element:
    """An H3 application of ``person`` (``fields``: see ``h3_request``), signed with ``key`` if any."""
    element = h3_request(person, pdf=PDF, **fields)
    return h3.sign_with(element, key) if key is not None else element


def expected(*steps: str) -> list[str]:
    return expected_spans("H3", *steps)


async def answers(
    runtime: PhcRuntime, fake_shep: FakeShep, element: etree._Element, context: ShepContext | None = None
) -> tuple[list[etree._Element], list[etree._Element]]:
    context = context or ctx()
    await handle_sanatorium_request(element, context, runtime=runtime)
    updates = [r.element for r in fake_shep.of(context.message_id, MessageType.UPDATE)]
    responses = [r.element for r in fake_shep.of(context.message_id, MessageType.RESPONSE)]
    assert all(r.service_id == h3.SHEP_SERVICE_ID for r in fake_shep.replies)
    return updates, responses


async def test_request_is_registered_with_its_term_and_gets_a_signed_card(
    runtime: PhcRuntime,
    fake_shep: FakeShep,
    person_keys: dict[str, KeyPair],
    phc_validator: CertificateValidator,
    spans: InMemorySpanExporter,
) -> None:
    element = request(person_keys[PETROV[0]])
    application = h3.parse_application(element)
    updates, responses = await answers(runtime, fake_shep, element)

    assert len(updates) == 1 and len(responses) == 1
    status = h3.parse_status(updates[0])
    assert status.status == "REGISTERED" and NUMBER.fullmatch(status.registration_number)
    expected_for = get_calendar().registration_moment(application.submitted_at)
    assert status.registered_for == expected_for
    assert status.due_at == get_calendar().add_working_days(expected_for, 1)
    assert status.registration_number in status.message.ru and status.registration_number in status.message.kk

    card = h3.parse_card(responses[0])
    assert (
        card.registration_number == status.registration_number
        and card.application_id == application.application_id
    )
    assert card.recipient.iin == PETROV[0] and card.recipient.full_name == "Петров Виктор Иванович"
    assert card.recipient.birth_date == date(1954, 11, 30) and card.recipient.sex.ru
    assert card.organisation.code == "ZHM-SHU-01" and card.diagnosis_code == "M17.1"
    assert card.doctor.full_name == "Ахметжанова Салтанат Болатовна"  # the doctor of the person's section
    assert card.head.full_name.startswith("Мусабеков") and card.valid_until == h3.card_valid_until(
        card.issued_at
    )
    assert "костно-мышечной" in card.treatment.profile.ru
    signer = await h3.verify_issued(responses[0], phc_validator)
    assert (signer.iin, signer.bin) == (SHU_HEAD, SHU_BIN)
    assert step_names(spans) == expected("process 6", "condition 3", "process 8")

    row = sanatorium.get(runtime.uow_factory, application.application_id)
    assert row.status == "ISSUED" and row.result_number == card.card_number and row.channel == "portal"
    stored = sanatorium.files_of(runtime.uow_factory, application.application_id)
    assert [(f.file_name, f.size) for f in stored] == [("analyses.pdf", len(PDF))]
    assert runtime.scans.read(stored[0].sha256) == PDF
    assert (
        sanatorium.card_of(runtime.uow_factory, card.card_number).application_id == application.application_id
    )


async def test_repeated_message_is_idempotent_and_a_resubmission_gets_the_same_number(
    runtime: PhcRuntime, fake_shep: FakeShep, person_keys: dict[str, KeyPair]
) -> None:
    element = request(person_keys[PETROV[0]])
    first = ctx()
    updates, responses = await answers(runtime, fake_shep, element, first)
    assert (len(updates), len(responses)) == (1, 1)
    number = h3.parse_status(updates[0]).registration_number

    await handle_sanatorium_request(element, first, runtime=runtime)  # redelivered: nothing again
    assert len(fake_shep.of(first.message_id)) == 2

    again = ctx()
    updates, responses = await answers(runtime, fake_shep, element, again)
    assert h3.parse_status(updates[0]).registration_number == number
    assert (
        h3.parse_card(responses[0]).card_number
        == h3.parse_card(fake_shep.of(first.message_id)[1].element).card_number
    )


async def test_otp_confirmation_attested_by_the_portal_is_believed(
    runtime: PhcRuntime, fake_shep: FakeShep, portal_key: KeyPair
) -> None:
    updates, responses = await answers(runtime, fake_shep, request(portal_key, otp=True))
    assert h3.parse_status(updates[0]).status == "REGISTERED"
    assert h3.root_name(responses[0]) == "card"
    row = sanatorium.get(runtime.uow_factory, h3.parse_card(responses[0]).application_id)
    assert row.confirmation == "otp" and "EGOV_PORTAL" in (row.signer or "")


async def refusal_of(
    runtime: PhcRuntime, fake_shep: FakeShep, element: etree._Element
) -> tuple[list[etree._Element], h3.Refusal, etree._Element]:
    updates, responses = await answers(runtime, fake_shep, element)
    assert len(responses) == 1 and h3.root_name(responses[0]) == "refusal"
    return updates, h3.parse_refusal(responses[0]), responses[0]


async def test_no_consent(
    runtime: PhcRuntime,
    fake_shep: FakeShep,
    person_keys: dict[str, KeyPair],
    phc_validator: CertificateValidator,
    spans: InMemorySpanExporter,
) -> None:
    updates, refusal, signed = await refusal_of(
        runtime, fake_shep, request(person_keys[PETROV[0]], consent=False)
    )
    assert refusal.ground.code == "NO_CONSENT" and refusal.ground.ru.startswith("Отсутствие согласия")
    assert refusal.registration_number == h3.parse_status(updates[0]).registration_number
    assert step_names(spans) == expected("process 6", "condition 3", "process 7")
    signer = await h3.verify_issued(signed, phc_validator)
    assert (signer.iin, signer.bin) == (SHU_HEAD, SHU_BIN)


@pytest.mark.parametrize(
    ("who", "needle"),
    [
        ("expired_document", "документа"),
        ("deceased", "умерло"),
        ("absent", "отсутствуют"),
        ("other_names", "не совпадает"),
    ],
)
async def test_unreliable_data(
    runtime: PhcRuntime, fake_shep: FakeShep, portal_key: KeyPair, who: str, needle: str
) -> None:
    person = {
        "expired_document": KIM,
        "deceased": ("500720390430", "Омаров", "Болат"),
        "absent": ("900101390508", "Тестов", "Тест"),
        "other_names": ("541130390295", "Петров", "Иван"),
    }[who]
    updates, refusal, _signed = await refusal_of(runtime, fake_shep, request(portal_key, person, otp=True))
    assert h3.parse_status(updates[0]).status == "REGISTERED"
    assert refusal.ground.code == "UNRELIABLE_DATA" and needle in refusal.details.ru
    assert refusal.organisation.code == "ZHM-SHU-01" and refusal.registration_number


@pytest.mark.parametrize(
    ("case", "needle"),
    [("other_organisation", "не прикреплён"), ("no_files", "Не приложены"), ("stale", "старше 30")],
)
async def test_requirements_not_met(
    runtime: PhcRuntime, fake_shep: FakeShep, person_keys: dict[str, KeyPair], case: str, needle: str
) -> None:
    overrides: dict[str, object] = {
        "other_organisation": {"org": "ZHM-TRZ-01"},
        "no_files": {"files": []},
        "stale": {"examined_on": now().astimezone(KZ_TZ).date() - timedelta(days=31)},
    }[case]
    _updates, refusal, _signed = await refusal_of(
        runtime, fake_shep, request(person_keys[PETROV[0]], **overrides)
    )
    assert refusal.ground.code == "REQUIREMENTS_NOT_MET" and needle in refusal.details.ru


async def test_unconfirmed_request_is_refused_without_a_number(
    runtime: PhcRuntime,
    fake_shep: FakeShep,
    person_keys: dict[str, KeyPair],
    portal_key: KeyPair,
    phc_validator: CertificateValidator,
) -> None:
    cases = [
        (request(person_keys["880412390017"]), "IIN_MISMATCH"),  # another person's EDS
        (
            request(person_keys[PETROV[0]], otp=True),
            "SIGNER_NOT_AUTHORISED",
        ),  # OTP not attested by the portal
        (request(portal_key), "IIN_MISMATCH"),  # the portal's key is not the recipient's EDS
        (request(None), "SIGNATURE_MISSING"),
    ]
    for element, code in cases:
        updates, refusal, signed = await refusal_of(runtime, fake_shep, element)
        assert updates == [] and refusal.registration_number is None
        assert refusal.ground.code == "UNRELIABLE_DATA" and code in refusal.details.ru
        assert refusal.application_id == h3.parse_application(element).application_id
        assert (await h3.verify_issued(signed, phc_validator)).bin == SHU_BIN
    with runtime.uow_factory() as uow:
        assert uow.sanatorium.of_organisation("ZHM-SHU-01") == []


async def test_a_tampered_file_is_refused_without_a_number(
    runtime: PhcRuntime, fake_shep: FakeShep, person_keys: dict[str, KeyPair]
) -> None:
    element = request(person_keys[PETROV[0]])
    content = element.find(f"{h3.tag('clinicalResults')}/{h3.tag('file')}/{h3.tag('content')}")
    assert content is not None
    content.text = "JVBERi0xLjQKdGFtcGVyZWQ="  # "%PDF-1.4\ntampered"
    updates, refusal, _signed = await refusal_of(runtime, fake_shep, element)
    assert updates == [] and "ATTACHMENT_DIGEST_MISMATCH" in refusal.details.ru


async def test_messages_other_than_requests_are_ignored(runtime: PhcRuntime, fake_shep: FakeShep) -> None:
    handlers = shep.all_async_handlers(runtime)
    assert h3.SHEP_SERVICE_ID in handlers
    context = ShepContext(
        message_id=str(uuid.uuid4()),
        service_id=h3.SHEP_SERVICE_ID,
        sender_id="EGOV_PORTAL",
        message_type="UPDATE",
    )
    await handlers[h3.SHEP_SERVICE_ID](request(None), context)
    assert fake_shep.replies == []
