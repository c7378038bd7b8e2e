"""The ШЭП handlers of РПН with an in-memory ШЭП client: RPN_Attachment (portal channel) and organisations."""

from __future__ import annotations

import re
import uuid

import pytest
from egov_kit.documents import h1, rpn
from egov_kit.documents.h1 import Recipient
from egov_kit.pki import CertificateValidator, KeyPair
from egov_kit.regulations import load_regulation
from egov_kit.shep import SchemaViolation
from egov_kit.shep.models import MessageType
from lxml import etree
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from phc_registry.domain.errors import NotReady
from phc_registry.entrypoints import shep
from phc_registry.service_layer import organisations
from phc_registry.service_layer.portal_channel import handle_attachment_request
from phc_registry.service_layer.runtime import PhcRuntime

from tests.phc_registry.conftest import FakeShep, context

NUMBER = re.compile(r"RPN-\d{4}-\d{6}")


def signed_application(
    key: KeyPair | None, iin: str, surname: str, name: str, org: str, *, application_id: str | None = None
) -> etree._Element:
    element = h1.build_application(
        recipient=Recipient(iin, surname, name),
        organisation_code=org,
        reason="Смена места жительства / Тұрғылықты жерін ауыстыру",
        application_id=application_id,
    )
    return h1.sign_with(element, key) if key is not None else element


def counts(runtime: PhcRuntime) -> tuple[int, int]:
    with runtime.uow_factory() as uow:
        applications = len(uow.applications.recent("ZHM-TRZ-01", 100)) + len(
            uow.applications.recent("VKO-RDR-01", 100)
        )
        return applications, uow.attachments.count()


async def test_portal_application_is_registered_checked_and_attached(
    runtime: PhcRuntime,
    fake_shep: FakeShep,
    person_keys: dict[str, KeyPair],
    phc_validator: CertificateValidator,
    spans: InMemorySpanExporter,
) -> None:
    ctx = context()
    element = signed_application(
        person_keys["880412390017"], "880412390017", "Ахметов", "Ерлан", "ZHM-TRZ-01"
    )
    await handle_attachment_request(element, ctx, runtime=runtime)

    update, response = fake_shep.of(ctx.message_id)
    assert update.message_type is MessageType.UPDATE and update.service_id == "RPN_Attachment"
    status = h1.parse_status(update.element)
    assert status.status == "REGISTERED" and NUMBER.fullmatch(status.registration_number)
    assert status.registration_number in status.message.ru and status.registration_number in status.message.kk

    assert response.message_type is MessageType.RESPONSE
    talon = h1.parse_talon(response.element)
    assert talon.registration_number == status.registration_number
    assert talon.organisation.code == "ZHM-TRZ-01" and talon.section == "1"
    assert talon.doctor.full_name == "Нурланов Арман Бауыржанович"
    signer = await h1.verify_issued(response.element, phc_validator)
    assert signer.iin == "720314450019" and signer.bin == "050240001112"
    assert fake_shep.sync_calls == [("GBDFL_UniversalServiceSync", "880412390017")]

    with runtime.uow_factory() as uow:
        history = uow.attachments.history("880412390017")
        row = uow.applications.get(talon.application_id)
    assert [(a.organisation, a.active) for a in history.attachments] == [
        ("ZHM-TRZ-05", False),
        ("ZHM-TRZ-01", True),
    ]
    assert history.attachments[0].detached_on == talon.attached_from
    assert row is not None and row.status == "ATTACHED" and row.result_number == talon.talon_number
    assert [entry["status"] for entry in row.history] == ["REGISTERED", "ATTACHED"]

    regulation = load_regulation("H1")
    names = [span.name for span in spans.get_finished_spans() if span.attributes.get("egov.step.id")]
    expected = [
        regulation.step("portal", step).span_name for step in ("process 6", "condition 3", "process 8")
    ]
    assert names == expected
    process_6 = next(s for s in spans.get_finished_spans() if s.name == expected[0])
    assert process_6.attributes["egov.application"] == talon.application_id
    assert process_6.attributes["egov.system"] == "phc-registry"
    assert process_6.attributes["egov.registration_number"] == status.registration_number


async def test_redelivered_request_is_not_registered_twice(
    runtime: PhcRuntime, fake_shep: FakeShep, person_keys: dict[str, KeyPair]
) -> None:
    ctx = context()
    element = signed_application(
        person_keys["880412390017"], "880412390017", "Ахметов", "Ерлан", "ZHM-TRZ-01"
    )
    await handle_attachment_request(element, ctx, runtime=runtime)
    before = counts(runtime)
    await handle_attachment_request(element, ctx, runtime=runtime)  # the same messageId again
    assert counts(runtime) == before
    assert len(fake_shep.of(ctx.message_id)) == 2, "no second UPDATE or RESPONSE for a handled message"
    assert len(fake_shep.sync_calls) == 1, "ГБД ФЛ is not asked again"

    # the same application in another message: same number, the state it has, answered to that message
    again = context()
    await handle_attachment_request(element, again, runtime=runtime)
    assert counts(runtime) == before
    first_update, first_response = fake_shep.of(ctx.message_id)
    update, response = fake_shep.of(again.message_id)
    assert (
        h1.parse_status(update.element).registration_number
        == h1.parse_status(first_update.element).registration_number
    )
    assert (
        h1.parse_talon(response.element).talon_number == h1.parse_talon(first_response.element).talon_number
    )


async def test_request_interrupted_after_registration_resumes(
    runtime: PhcRuntime, fake_shep: FakeShep, person_keys: dict[str, KeyPair]
) -> None:
    """ГБД ФЛ unreachable: the handler raises (the consumer retries); the retry keeps the number."""
    ctx = context()
    element = signed_application(
        person_keys["880412390017"], "880412390017", "Ахметов", "Ерлан", "ZHM-TRZ-01"
    )
    fake_shep.down = True
    with pytest.raises(Exception, match="unreachable"):
        await handle_attachment_request(element, ctx, runtime=runtime)
    [update] = fake_shep.of(ctx.message_id)
    fake_shep.down = False
    await handle_attachment_request(element, ctx, runtime=runtime)
    replies = fake_shep.of(ctx.message_id)
    assert [r.message_type for r in replies] == [MessageType.UPDATE, MessageType.RESPONSE], "UPDATE sent once"
    assert (
        h1.parse_talon(replies[1].element).registration_number
        == h1.parse_status(update.element).registration_number
    )


@pytest.mark.parametrize(
    ("iin", "surname", "name", "org", "ground"),
    [
        ("500720390430", "Омаров", "Болат", "VKO-RDR-01", "DECEASED"),
        ("900101390508", "Тестов", "Тест", "ZHM-TRZ-01", "NOT_IN_GBDFL"),
        ("920205490157", "Жумабаева", "Айгүл", "ZHM-TRZ-01", "OUT_OF_SERVICE_AREA"),
        ("790923490082", "Иванова", "Светлана", "VKO-UKG-03", "ALREADY_ATTACHED"),
        ("880412390017", "Ахметов", "Ерболат", "ZHM-TRZ-01", "UNRELIABLE_DATA"),
    ],
)
async def test_portal_application_refused_with_its_ground(
    runtime: PhcRuntime,
    fake_shep: FakeShep,
    person_keys: dict[str, KeyPair],
    phc_validator: CertificateValidator,
    spans: InMemorySpanExporter,
    iin: str,
    surname: str,
    name: str,
    org: str,
    ground: str,
) -> None:
    ctx = context()
    key = person_keys.get(iin)
    await handle_attachment_request(signed_application(key, iin, surname, name, org), ctx, runtime=runtime)
    update, response = fake_shep.of(ctx.message_id)
    refusal = h1.parse_refusal(response.element)
    assert refusal.ground.code == ground
    wording = load_regulation("H1").refusal_ground(ground)
    assert (refusal.ground.ru, refusal.ground.kk) == (wording.ru, wording.kk)
    assert refusal.registration_number == h1.parse_status(update.element).registration_number
    assert refusal.recipient_iin == iin and refusal.details.ru and refusal.details.kk
    await h1.verify_issued(response.element, phc_validator)
    names = [
        s.attributes["egov.step.id"] for s in spans.get_finished_spans() if s.attributes.get("egov.step.id")
    ]
    assert names == ["process 6", "condition 3", "process 7"]


async def test_signature_not_confirmed(
    runtime: PhcRuntime, fake_shep: FakeShep, person_keys: dict[str, KeyPair]
) -> None:
    for key in (person_keys["790923490082"], None):  # somebody else's key; no signature at all
        ctx = context()
        element = signed_application(key, "880412390017", "Ахметов", "Ерлан", "ZHM-TRZ-01")
        await handle_attachment_request(element, ctx, runtime=runtime)
        refusal = h1.parse_refusal(fake_shep.of(ctx.message_id, MessageType.RESPONSE)[0].element)
        assert refusal.ground.code == "SIGNATURE_NOT_CONFIRMED"
        assert ("IIN_MISMATCH" if key else "SIGNATURE_MISSING") in refusal.details.ru
    assert fake_shep.sync_calls == [], "ГБД ФЛ is not asked about an application nobody vouches for"


async def test_unreadable_application_gets_a_refusal_without_a_number(
    runtime: PhcRuntime, fake_shep: FakeShep, phc_validator: CertificateValidator
) -> None:
    ctx = context()
    element = signed_application(None, "880412390017", "Ахметов", "Ерлан", "ZHM-TRZ-01")
    element.remove(element.find(h1.tag("reason")))
    await handle_attachment_request(element, ctx, runtime=runtime)
    [response] = fake_shep.of(ctx.message_id)
    refusal = h1.parse_refusal(response.element)
    assert refusal.ground.code == "UNRELIABLE_DATA" and refusal.registration_number is None
    assert refusal.organisation.code == "ZHM-TRZ-01" and "SCHEMA" not in refusal.ground.ru
    await h1.verify_issued(response.element, phc_validator)
    assert counts(runtime)[0] == 0


async def test_replies_and_other_message_types_are_ignored(runtime: PhcRuntime, fake_shep: FakeShep) -> None:
    element = signed_application(None, "880412390017", "Ахметов", "Ерлан", "ZHM-TRZ-01")
    await handle_attachment_request(element, context("RESPONSE"), runtime=runtime)
    assert fake_shep.replies == [] and counts(runtime)[0] == 0


async def test_not_ready_is_raised_for_a_retry(runtime: PhcRuntime, person_keys: dict[str, KeyPair]) -> None:
    runtime.replies = None
    element = signed_application(
        person_keys["880412390017"], "880412390017", "Ахметов", "Ерлан", "ZHM-TRZ-01"
    )
    with pytest.raises(NotReady):
        await handle_attachment_request(element, context(), runtime=runtime)


def test_handlers_are_wired(runtime: PhcRuntime) -> None:
    assert set(shep.build_sync_handlers()) == {"RPN_MedicalOrganizationsSync"}
    assert set(shep.build_async_handlers(runtime)) == {"RPN_Attachment"}


def test_medical_organisations_of_a_locality() -> None:
    ctx = context()
    answer = organisations.medical_organisations(rpn.build_request(locality_code="311001000"), ctx)
    parsed = rpn.parse_response(answer)
    assert [org.code for org in parsed.organisations] == ["ZHM-TRZ-01", "ZHM-TRZ-05"]
    trz01 = parsed.organisations[0]
    assert trz01.bin == "050240001112" and [s.number for s in trz01.sections] == ["1", "2", "3"]
    assert trz01.sections[0].streets[0] == rpn.Street("ул. Толе би", "Төле би көшесі")
    region = rpn.parse_response(
        organisations.medical_organisations(rpn.build_request(region_code="630000000"), ctx)
    )
    assert [org.code for org in region.organisations] == ["VKO-UKG-03", "VKO-RDR-01"]
    everything = rpn.parse_response(organisations.medical_organisations(rpn.build_request(), ctx))
    assert len(everything.organisations) == 8
    bad = etree.fromstring(
        f'<request xmlns="{rpn.NS}"><requestNumber>{uuid.uuid4()}</requestNumber><x/></request>'
    )
    with pytest.raises(SchemaViolation):
        organisations.medical_organisations(bad, ctx)
