"""H2 through the running landscape, as the test integrator: the free slots of an organisation's
doctors (``RPN_DoctorScheduleSync``), then a citizen-signed appointment request on ``RPN_Appointment``;
РПН registers it (UPDATE), asks ГБД ФЛ through ШЭП, checks the attachment and the slot, books it and
answers (RESPONSE) with the appointment signed by the organisation's authorised person.

Run with ``TEST_PORT_OFFSET=38000`` (ports of its own); the landscape includes phc-registry.
"""

from __future__ import annotations

import asyncio
import re

import pytest
from egov_kit.documents import h2
from egov_kit.documents.h1 import Recipient
from egov_kit.regulations import load_regulation
from egov_kit.shep.client import ShepClient
from egov_kit.shep.host import SystemIdentity
from egov_kit.shep.models import AsyncMessage, MessageType

from tests.integration.conftest import Nuc, identity, integrator, nuc, settings  # noqa: F401 (fixtures)
from tests.support.otlp import OtlpReceiver, ReceivedSpan

pytestmark = pytest.mark.integration

SERVICE = h2.SHEP_SERVICE_ID
ORGANISATION = "VKO-UKG-03"  # Иванова Светлана is attached to it (seed)
IVANOVA = ("790923490082", "Иванова", "Светлана")


async def replies_to(
    client: ShepClient, message_id: str, *, timeout: float = 60.0
) -> dict[MessageType, AsyncMessage]:
    found: dict[MessageType, AsyncMessage] = {}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        pulled = await client.get_messages(SERVICE)
        for message in pulled.messages:
            if message.message_info.correlation_id == message_id:
                found[message.message_info.message_type] = message
        if MessageType.RESPONSE in found and MessageType.UPDATE in found:
            break
        await asyncio.sleep(0.5)
    for message in found.values():
        assert message.message_info.message_id is not None
        await client.send_delivery_notification(message.message_info.message_id, SERVICE)
    return found


async def test_free_slot_is_booked_with_a_signed_appointment(
    integrator: ShepClient,  # noqa: F811
    nuc: Nuc,  # noqa: F811
    identity: SystemIdentity,  # noqa: F811
    otlp_receiver: OtlpReceiver,
) -> None:
    reply = await integrator.send_sync(h2.SCHEDULE_SERVICE_ID, h2.build_schedule_request(ORGANISATION))
    assert reply.signer.common_name == "SHEP" and reply.data is not None
    schedule = h2.parse_schedule_response(reply.data)
    assert schedule.organisation_code == ORGANISATION and len(schedule.doctors) >= 2
    doctor = schedule.doctors[0]
    assert doctor.slots, "the therapist has free slots in the next days"
    slot = doctor.slots[0]

    keypair, _serial = await asyncio.to_thread(
        nuc.issue, kind="individual", iin=IVANOVA[0], surname=IVANOVA[1], given_name=IVANOVA[2], key_type="ec"
    )
    element = h2.build_application(
        recipient=Recipient(*IVANOVA),
        organisation_code=ORGANISATION,
        doctor_id=doctor.doctor.doctor_id,
        slot_start=slot.start,
        reason="Консультация / Кеңес",
    )
    h2.sign_with(element, keypair)
    accepted = await integrator.send_async(SERVICE, element)
    replies = await replies_to(integrator, accepted.message_id)
    assert set(replies) == {MessageType.UPDATE, MessageType.RESPONSE}, replies

    update = replies[MessageType.UPDATE]
    assert update.message_info.sender.sender_id == "PHC_REGISTRY"
    status = h2.parse_status(update.message_data.document())
    assert status.status == "REGISTERED" and re.fullmatch(r"RPN-\d{4}-\d{6}", status.registration_number)

    document = replies[MessageType.RESPONSE].message_data.document()
    appointment = h2.parse_appointment(document)
    assert appointment.registration_number == status.registration_number
    assert appointment.doctor.doctor_id == doctor.doctor.doctor_id and appointment.slot_start == slot.start
    assert appointment.recipient_iin == IVANOVA[0] and appointment.organisation.code == ORGANISATION
    signer = await h2.verify_issued(document, identity.validator)
    assert signer.kind == "employee" and signer.bin == "040940005159" and signer.iin == "680606450196"

    # the slot is no longer offered
    again = h2.parse_schedule_response(
        (await integrator.send_sync(h2.SCHEDULE_SERVICE_ID, h2.build_schedule_request(ORGANISATION))).data
    )
    assert slot.start not in [s.start for s in again.doctors[0].slots]

    regulation = load_regulation("H2")
    expected = [regulation.step("portal", s).span_name for s in ("process 6", "condition 3", "process 8")]
    spans: list[ReceivedSpan] = []
    for _ in range(100):
        spans = [
            span
            for span in otlp_receiver.spans
            if span.service == "phc-registry"
            and span.attributes.get("egov.step.id")
            and span.attributes.get("egov.application") == status.application_id
        ]
        if len(spans) >= 3:
            break
        await asyncio.sleep(0.1)
    assert sorted(span.name for span in spans) == sorted(expected)
    assert len({span.trace_id for span in spans}) == 1
