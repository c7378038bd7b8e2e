"""H1 through the running landscape: the test integrator sends a citizen-signed application on
``RPN_Attachment``; РПН registers it (UPDATE), asks ГБД ФЛ through ШЭП and answers (RESPONSE) with a
talon or a motivated refusal signed by the medical organisation's authorised person.

Run with ``TEST_PORT_OFFSET=30000`` (ports of its own); the landscape includes phc-registry.
"""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from egov_cli.landscape import Landscape
from egov_kit.documents import h1, rpn
from egov_kit.documents.h1 import Recipient
from egov_kit.regulations import load_regulation
from egov_kit.shep.client import ShepClient
from egov_kit.shep.host import SystemIdentity
from egov_kit.shep.models import AsyncMessage, MessageType

from tests.integration.conftest import Nuc, identity, integrator, nuc, settings  # noqa: F401 (fixtures)
from tests.support.otlp import OtlpReceiver, ReceivedSpan

pytestmark = pytest.mark.integration

SERVICE = "RPN_Attachment"


async def replies_to(
    client: ShepClient, message_id: str, *, timeout: float = 60.0
) -> dict[MessageType, AsyncMessage]:
    """Pull the UPDATE and RESPONSE that answer ``message_id`` (getMessages), then confirm them."""
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


async def send_application(
    integrator: ShepClient,  # noqa: F811
    nuc: Nuc,  # noqa: F811
    iin: str,
    surname: str,
    given_name: str,
    organisation: str,
) -> tuple[str, dict[MessageType, AsyncMessage]]:
    keypair, _serial = await asyncio.to_thread(
        nuc.issue, kind="individual", iin=iin, surname=surname, given_name=given_name, key_type="ec"
    )
    element = h1.build_application(
        recipient=Recipient(iin, surname, given_name),
        organisation_code=organisation,
        reason="Смена места жительства / Тұрғылықты жерін ауыстыру",
    )
    h1.sign_with(element, keypair)
    accepted = await integrator.send_async(SERVICE, element)
    return accepted.message_id, await replies_to(integrator, accepted.message_id)


async def test_phc_registry_is_healthy(landscape: Landscape) -> None:
    health = httpx.get(landscape.url("phc-registry") + "/healthz", timeout=10)
    assert health.status_code == 200, health.text
    assert health.json()["checks"]["bus"] is True


async def test_medical_organisations_through_the_gateway(integrator: ShepClient) -> None:  # noqa: F811
    reply = await integrator.send_sync(rpn.SERVICE_ID, rpn.build_request(locality_code="311001000"))
    assert reply.signer.common_name == "SHEP"
    assert reply.data is not None
    codes = [org.code for org in rpn.parse_response(reply.data).organisations]
    assert codes == ["ZHM-TRZ-01", "ZHM-TRZ-05"]


async def test_application_gets_a_number_and_a_signed_talon(
    integrator: ShepClient,  # noqa: F811
    nuc: Nuc,  # noqa: F811
    identity: SystemIdentity,  # noqa: F811
    otlp_receiver: OtlpReceiver,
) -> None:
    message_id, replies = await send_application(
        # The minor, not the default adult: the replay's success scenario attaches the adult.
        integrator,
        nuc,
        "150601590223",
        "Ахметов",
        "Әлихан",
        "ZHM-TRZ-01",
    )
    assert set(replies) == {MessageType.UPDATE, MessageType.RESPONSE}, replies
    update = replies[MessageType.UPDATE]
    assert update.message_info.sender.sender_id == "PHC_REGISTRY"
    status = h1.parse_status(update.message_data.document())
    assert status.status == "REGISTERED" and re.fullmatch(r"RPN-\d{4}-\d{6}", status.registration_number)

    talon_element = replies[MessageType.RESPONSE].message_data.document()
    talon = h1.parse_talon(talon_element)
    assert talon.registration_number == status.registration_number
    assert talon.organisation.code == "ZHM-TRZ-01" and talon.recipient.iin == "150601590223"
    signer = await h1.verify_issued(talon_element, identity.validator)
    assert signer.kind == "employee" and signer.bin == "050240001112"
    assert "right_of_signature" in signer.roles and signer.iin == "720314450019"
    assert message_id

    # РПН's steps reach the trace receiver, named as the regulation names them, in one trace
    regulation = load_regulation("H1")
    expected = [
        regulation.step("portal", step).span_name for step in ("process 6", "condition 3", "process 8")
    ]
    spans: list[ReceivedSpan] = []
    for _ in range(100):
        spans = [
            span
            for span in otlp_receiver.spans
            if span.service == "phc-registry"
            and span.attributes.get("egov.step.id")
            and span.attributes.get("egov.application") == talon.application_id
        ]
        if len(spans) >= 3:
            break
        await asyncio.sleep(0.1)
    assert sorted(span.name for span in spans) == sorted(expected)
    assert len({span.trace_id for span in spans}) == 1
    assert {span.attributes.get("egov.registration_number") for span in spans} == {talon.registration_number}


@pytest.mark.parametrize(
    ("iin", "surname", "given_name", "organisation", "ground"),
    [
        ("500720390430", "Омаров", "Болат", "VKO-RDR-01", "DECEASED"),
        ("900101390508", "Тестов", "Тест", "ZHM-TRZ-01", "NOT_IN_GBDFL"),
    ],
)
async def test_refusals_for_the_deceased_and_the_absent(
    integrator: ShepClient,  # noqa: F811
    nuc: Nuc,  # noqa: F811
    identity: SystemIdentity,  # noqa: F811
    iin: str,
    surname: str,
    given_name: str,
    organisation: str,
    ground: str,
) -> None:
    _message_id, replies = await send_application(integrator, nuc, iin, surname, given_name, organisation)
    assert MessageType.RESPONSE in replies, replies
    element = replies[MessageType.RESPONSE].message_data.document()
    refusal = h1.parse_refusal(element)
    assert refusal.ground.code == ground and refusal.recipient_iin == iin
    assert (
        refusal.registration_number
        == h1.parse_status(replies[MessageType.UPDATE].message_data.document()).registration_number
    )
    signer = await h1.verify_issued(element, identity.validator)
    assert signer.bin == refusal.organisation.bin
