"""The robust connection comes back after the link drops, with its reply queue and consumers.

A small TCP proxy sits between the client and the broker; cutting every proxied socket looks to
both sides like a network failure (the broker is not restarted, so other tests are not disturbed).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from egov_kit.bus import IncomingRequest, RpcClient, RpcServer, connect
from yarl import URL

from .helpers import BusEnv, eventually

pytestmark = pytest.mark.integration


class CuttableProxy:
    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.links: set[asyncio.StreamWriter] = set()
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.links.update((writer, up_writer))
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self.links.discard(writer)
            writer.transport.abort()

    def cut(self) -> None:
        for writer in list(self.links):
            writer.transport.abort()
        self.links.clear()

    async def stop(self) -> None:
        self.cut()
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await self.server.wait_closed()


@pytest.fixture
async def proxy(amqp_url: str) -> AsyncIterator[CuttableProxy]:
    url = URL(amqp_url)
    running = CuttableProxy(url.host or "127.0.0.1", url.port or 5672)
    await running.start()
    yield running
    await running.stop()


async def test_rpc_client_and_server_recover_after_the_link_drops(bus: BusEnv, proxy: CuttableProxy) -> None:
    sync_q, _ = await bus.system("prov")
    proxied_url = str(URL(bus.url).with_host("127.0.0.1").with_port(proxy.port))
    connection = await connect(proxied_url, name="pytest-bus-proxied", reconnect_interval=0.2)
    reconnected = asyncio.Event()
    connection.reconnect_callbacks.add(lambda *_: reconnected.set())

    async def echo(request: IncomingRequest) -> bytes:
        return b"echo:" + request.body

    server = await RpcServer.start(connection, sync_q.name, echo)
    client = await RpcClient.create(connection)
    call = client.call
    assert (
        await call(bus.topology.sync_exchange, "prov", b"1", message_id="m1", timeout=5)
    ).body == b"echo:1"

    proxy.cut()
    await asyncio.wait_for(reconnected.wait(), 15)

    async def works() -> bool:
        try:
            reply = await call(bus.topology.sync_exchange, "prov", b"2", message_id="m2", timeout=1)
        except Exception:
            return False
        return reply.body == b"echo:2"

    await eventually(works, within=15)
    assert (await bus.depth(sync_q.name))[1] == 1  # exactly one server consumer after the restore
    await client.close()
    await server.stop()
    await connection.close()
