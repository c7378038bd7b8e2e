"""End to end through the running landscape: a client signs, ШЭП routes, the register answers,
the client verifies the gateway-signed reply — and the whole call is one trace across processes."""

from __future__ import annotations

import asyncio

import pytest
from egov_cli.landscape import Landscape
from egov_kit.shep.client import ShepClient, ShepFault
from egov_kit.telemetry import current_trace_id, setup_telemetry, span
from enis_mock.adapters.xml_body import build_request as poa_request
from enis_mock.domain import test_powers_of_attorney as poa
from gbd_fl_mock.adapters.xml_body import build_request as person_request
from gbd_fl_mock.domain import test_persons as people
from lxml import etree

from tests.support.otlp import OtlpReceiver

pytestmark = pytest.mark.integration


def text(element: etree._Element, local_path: str) -> str | None:
    node: etree._Element | None = element
    for name in local_path.split("/"):
        assert node is not None
        node = next((c for c in node if isinstance(c.tag, str) and etree.QName(c).localname == name), None)
    return None if node is None else node.text


async def test_gbdfl_person_found_through_the_gateway(integrator: ShepClient) -> None:
    reply = await integrator.send_sync("GBDFL_UniversalServiceSync", person_request(people.ADULT_IIN))
    assert reply.signer.common_name == "SHEP", "the reply is believed because the gateway signed it"
    assert reply.response.response_info.status.code == "SCSS001"
    answer = reply.data
    assert answer is not None
    assert text(answer, "messageResult/code") == "00000"
    assert text(answer, "persons/person/iin") == people.ADULT_IIN
    assert text(answer, "persons/person/surname") == people.ADULT.surname
    assert text(answer, "persons/person/name") == people.ADULT.name


@pytest.mark.parametrize(
    ("iin", "code"),
    [(people.ABSENT_IIN, "00001"), (people.DECEASED_IIN, "00002")],
    ids=["absent-from-register", "deceased"],
)
async def test_gbdfl_not_found_and_deceased_are_answers(integrator: ShepClient, iin: str, code: str) -> None:
    reply = await integrator.send_sync("GBDFL_UniversalServiceSync", person_request(iin))
    assert reply.data is not None and text(reply.data, "messageResult/code") == code


async def test_gbdfl_invalid_iin_is_a_named_fault_from_the_provider(integrator: ShepClient) -> None:
    with pytest.raises(ShepFault) as caught:
        await integrator.send_sync("GBDFL_UniversalServiceSync", person_request("880412390018"))
    assert caught.value.code == "INVALID_IIN_BIN"
    assert "880412390018" in caught.value.message


@pytest.mark.parametrize(
    ("number", "representative", "expected"),
    [
        (poa.VALID_NUMBER, people.REPRESENTATIVE_IIN, "VALID"),
        (poa.EXPIRED_NUMBER, people.REPRESENTATIVE_IIN, "EXPIRED"),
        (poa.REVOKED_NUMBER, people.REPRESENTATIVE_IIN, "REVOKED"),
        (poa.MISSING_NUMBER, people.REPRESENTATIVE_IIN, "MISSING"),
        (poa.VALID_NUMBER, people.ADULT_IIN, "MISMATCH"),
    ],
)
async def test_enis_power_of_attorney_answers(
    integrator: ShepClient, number: str, representative: str, expected: str
) -> None:
    reply = await integrator.send_sync(
        "ENIS_PowerOfAttorneySync", poa_request(number, people.PRINCIPAL_IIN, representative)
    )
    assert reply.data is not None and text(reply.data, "result/code") == expected


async def test_one_call_is_one_trace_across_client_gateway_and_register(
    integrator: ShepClient, landscape: Landscape, otlp_receiver: OtlpReceiver
) -> None:
    setup_telemetry("egov-tests")
    with span("test: look up a person through ШЭП"):
        trace_id = current_trace_id()
        await integrator.send_sync("GBDFL_UniversalServiceSync", person_request(people.ADULT_IIN))
    assert trace_id is not None

    expected = {
        "ШЭП POST /bip-sync-wss/",
        "ШЭП verify signature and certificate",
        "GBDFL serves GBDFL_UniversalServiceSync",
    }
    names: set[str] = set()
    for _ in range(150):  # services export in batches; the gateway's HTTP span ends last
        spans = otlp_receiver.trace(trace_id)
        names = {s.name for s in spans}
        if expected <= names:
            break
        await asyncio.sleep(0.1)
    services = {s.service for s in spans}
    assert {"gateway-shep", "gbd-fl-mock"} <= services, f"spans seen: {services}"
    assert expected <= names, f"missing from the trace: {expected - names}"
    ids = {s.span_id for s in spans}
    orphans = [s.name for s in spans if s.parent_span_id and s.parent_span_id not in ids]
    # The only parent not exported to the receiver is the test's own client span.
    assert len({s.parent_span_id for s in spans if s.parent_span_id not in ids}) <= 1, orphans
