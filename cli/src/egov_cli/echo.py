"""The sandbox's test services, served by the test integrator system itself.

``TEST_EchoSync`` answers with the request it got; ``TEST_SlowSync`` answers after its 1-second
timeout (so callers see PROVIDER_TIMEOUT); ``TEST_EchoAsync`` answers each REQUEST with a RESPONSE
carrying the same document, sent back through the gateway.
"""

from __future__ import annotations

import asyncio
import copy

from egov_kit.shep import MessageType
from egov_kit.shep.client import ShepClient
from egov_kit.shep.host import ProviderHost
from egov_kit.shep.provider import AsyncHandler, ShepContext, SyncHandler
from lxml import etree

from egov_cli.identity import CliSettings

SLOW_SECONDS = 3.0


async def echo(document: etree._Element, _context: ShepContext) -> etree._Element:
    return copy.deepcopy(document)


async def slow(document: etree._Element, _context: ShepContext) -> etree._Element:
    await asyncio.sleep(SLOW_SECONDS)
    return copy.deepcopy(document)


def async_echo(client_of: ProviderHost) -> AsyncHandler:
    async def handler(document: etree._Element, context: ShepContext) -> None:
        if context.message_type != MessageType.REQUEST.value:
            return  # our own RESPONSE coming back to us as the original sender: nothing to answer
        runtime = client_of.runtime
        assert runtime is not None and runtime.shep_client is not None
        client: ShepClient = runtime.shep_client
        await client.send_async(
            context.service_id,
            copy.deepcopy(document),
            message_type=MessageType.RESPONSE,
            correlation_id=context.message_id,
        )

    return handler


def echo_host(settings: CliSettings | None = None) -> ProviderHost:
    sync_handlers: dict[str, SyncHandler] = {"TEST_EchoSync": echo, "TEST_SlowSync": slow}
    host = ProviderHost(settings or CliSettings(), sync_handlers=sync_handlers)
    host.async_handlers = {"TEST_EchoAsync": async_echo(host)}
    return host
