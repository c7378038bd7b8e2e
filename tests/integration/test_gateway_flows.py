"""The gateway's normal paths: sync request/reply, the journal, providers that fail, the async channel."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from egov_cli.landscape import Landscape
from egov_kit.bus import connect, serve_rpc, sync_queue_name
from egov_kit.bus.rpc import IncomingRequest
from egov_kit.shep import MessageState, ShepCode
from egov_kit.shep.client import SYNC_PATH, ShepClient, ShepFault
from egov_kit.shep.host import ProviderHost
from egov_kit.shep.sealed import seal

from tests.integration.shep_messages import fault_of, ping, sync_request

pytestmark = pytest.mark.integration


def journal(client: ShepClient, **params: str) -> list[dict]:  # type: ignore[type-arg]
    return httpx.get(f"{client._http.base_url}/journal", params=params, timeout=10).json()


async def test_echo_round_trip_is_signed_by_the_gateway_and_journaled(
    integrator: ShepClient, echo_provider: ProviderHost
) -> None:
    request = sync_request(data=ping("салем"))
    sent = seal(request, integrator.keypair)
    response = await integrator.post_raw(SYNC_PATH, sent)
    assert response.status_code == 200
    opened = await integrator.open_answer(response)
    assert opened.signer.common_name == "SHEP"
    answer = opened.model.response_data.document()  # type: ignore[union-attr]
    assert answer.text == "салем"
    assert opened.model.response_info.correlation_id == request.request_info.message_id  # type: ignore[union-attr]

    entries = journal(integrator, message_id=request.request_info.message_id)
    directions = sorted(entry["direction"] for entry in entries)
    assert directions == ["forwarded", "inbound", "reply_inbound", "reply_outbound"]
    inbound = next(entry for entry in entries if entry["direction"] == "inbound")
    raw = httpx.get(f"{integrator._http.base_url}/journal/{inbound['id']}/raw", timeout=10)
    assert raw.content == sent, "the journal keeps the exact signed bytes as received"
    forwarded = next(entry for entry in entries if entry["direction"] == "forwarded")
    forwarded_raw = httpx.get(
        f"{integrator._http.base_url}/journal/{forwarded['id']}/raw", timeout=10
    ).content
    assert b"test-integrator-secret" not in forwarded_raw, (
        "the sender's password never travels to the provider"
    )


async def test_provider_unavailable_when_nobody_consumes(integrator: ShepClient) -> None:
    await asyncio.sleep(1.5)  # the gateway caches a queue's consumer count for a second
    raw = seal(sync_request(), integrator.keypair)
    fault = await fault_of(integrator, await integrator.post_raw(SYNC_PATH, raw))
    assert fault.error_code == ShepCode.PROVIDER_UNAVAILABLE


async def test_provider_reply_that_is_not_signed_is_refused(
    integrator: ShepClient, landscape: Landscape
) -> None:
    connection = await connect(landscape.amqp_url)
    channel = await connection.channel()

    async def forger(_request: IncomingRequest) -> bytes:
        return b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body/></soap:Envelope>'

    server = await serve_rpc(channel, sync_queue_name("TEST_INTEGRATOR"), forger)
    try:
        await asyncio.sleep(1.5)
        with pytest.raises(ShepFault) as caught:
            await integrator.send_sync("TEST_EchoSync", ping())
        assert caught.value.code == ShepCode.PROVIDER_REPLY_INVALID
    finally:
        await server.stop()
        await connection.close()


async def test_async_request_waits_in_the_queue_and_can_be_pulled(integrator: ShepClient) -> None:
    """Nobody consumes TEST_EchoAsync now: the message is kept, pulled with getMessages, then confirmed."""
    accepted = await integrator.send_async("TEST_EchoAsync", ping("pull me"))
    status = await integrator.get_message_status(accepted.message_id)
    assert status.message_state is MessageState.ON_DELIVERY

    pulled = await integrator.get_messages("TEST_EchoAsync")
    ids = [message.message_info.message_id for message in pulled.messages]
    assert accepted.message_id in ids
    mine = next(m for m in pulled.messages if m.message_info.message_id == accepted.message_id)
    assert mine.message_data.document().text == "pull me"
    assert mine.message_info.sender.password is None

    await integrator.send_delivery_notification(accepted.message_id, "TEST_EchoAsync")
    status = await integrator.get_message_status(accepted.message_id)
    assert status.message_state is MessageState.DELIVERED
    pulled = await integrator.get_messages("TEST_EchoAsync")
    assert accepted.message_id not in [m.message_info.message_id for m in pulled.messages]


async def test_async_request_gets_a_response_through_the_gateway(
    integrator: ShepClient, echo_provider: ProviderHost
) -> None:
    accepted = await integrator.send_async("TEST_EchoAsync", ping("echo me"))
    for _ in range(100):
        replies = [
            e
            for e in journal(integrator, correlation_id=accepted.message_id)
            if e["message_type"] == "RESPONSE"
        ]
        status = await integrator.get_message_status(accepted.message_id)
        if replies and status.message_state is MessageState.DELIVERED:
            break
        await asyncio.sleep(0.1)
    assert status.message_state is MessageState.DELIVERED, "the provider confirmed the delivery"
    assert {e["direction"] for e in replies} >= {"inbound", "forwarded"}
    assert all(e["sender_id"] == "TEST_INTEGRATOR" for e in replies)


async def test_reply_to_someone_elses_request_is_refused(integrator: ShepClient) -> None:
    from egov_kit.shep import MessageType

    with pytest.raises(ShepFault) as caught:
        await integrator.send_async(
            "TEST_EchoAsync", ping(), message_type=MessageType.RESPONSE, correlation_id="nope"
        )
    assert caught.value.code == ShepCode.MESSAGE_NOT_FOUND


def test_journal_chain_and_signatures_verify(landscape: Landscape, integrator: ShepClient) -> None:
    from egov_cli.main import app
    from typer.testing import CliRunner

    result = CliRunner().invoke(
        app, ["shep", "verify-journal"], env={"SHEP_URL": landscape.url("gateway-shep")}
    )
    assert result.exit_code == 0, result.output
    assert "chain ok" in result.output and "signatures ok" in result.output
    server_side = httpx.get(f"{landscape.url('gateway-shep')}/journal/verify", timeout=10).json()
    assert server_side["ok"] is True
