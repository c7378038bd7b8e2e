"""The signer over a real WebSocket on the loopback: greeting, requests, origins, /healthz."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
from egov_cli.signer import protocol
from egov_cli.signer.server import (
    ORIGIN_REFUSED_REASON,
    Signer,
    origin_allowed,
    serve,
    start_server,
)
from egov_kit.dsig import verify_document
from egov_kit.pki import identity_from_certificate
from egov_kit.xml import parse_xml
from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import Server
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from tests.signer.conftest import ADULT_IIN, PENSIONER_IIN

ORIGIN = "http://127.0.0.1:8000"


async def ask(ws: ClientConnection, request: dict[str, Any]) -> dict[str, Any]:
    await ws.send(json.dumps(request, ensure_ascii=False))
    answer = json.loads(await asyncio.wait_for(ws.recv(), 30))
    assert isinstance(answer, dict)
    return answer


def sign(xml: str) -> dict[str, Any]:
    return {"module": protocol.MODULE, "method": "signXml", "args": ["PKCS12", "SIGNATURE", xml, "", ""]}


GET_TOKENS = {"module": protocol.MODULE, "method": "getActiveTokens"}


async def test_greeting_tokens_and_signature(ws_url: str) -> None:
    async with connect(ws_url, origin=Origin(ORIGIN)) as ws:
        assert json.loads(await asyncio.wait_for(ws.recv(), 10)) == {"result": {"version": "1.4"}}
        assert await ask(ws, GET_TOKENS) == {"code": "200", "responseObject": ["PKCS12"]}
        answer = await ask(
            ws, sign(f"<application><recipientIin>{PENSIONER_IIN}</recipientIin></application>")
        )
        assert answer["code"] == "200"
        verified = verify_document(parse_xml(answer["responseObject"]))
        assert identity_from_certificate(verified.certificate).iin == PENSIONER_IIN
        # The connection stays open for further requests, answered in order.
        failed = await ask(ws, sign("<broken"))
        assert failed["code"] == "500"
        assert "XML" in failed["message"]
        again = await ask(ws, sign(f"<application><iin>{ADULT_IIN}</iin></application>"))
        assert again["code"] == "200"


async def test_requests_sent_back_to_back_are_answered_in_order(ws_url: str) -> None:
    async with connect(ws_url) as ws:  # no Origin: a program, not a web page
        await ws.recv()
        for iin in (PENSIONER_IIN, ADULT_IIN, PENSIONER_IIN):
            await ws.send(json.dumps(sign(f"<a><iin>{iin}</iin></a>")))
        await ws.send(json.dumps(GET_TOKENS))
        answers = [json.loads(await asyncio.wait_for(ws.recv(), 30)) for _ in range(4)]
    iins = [
        identity_from_certificate(verify_document(parse_xml(a["responseObject"])).certificate).iin
        for a in answers[:3]
    ]
    assert iins == [PENSIONER_IIN, ADULT_IIN, PENSIONER_IIN]
    assert answers[3] == {"code": "200", "responseObject": ["PKCS12"]}


@pytest.mark.parametrize("origin", ["http://localhost:3000", "http://127.0.0.1:8200", "http://localhost"])
async def test_landscape_origins_are_served(ws_url: str, origin: str) -> None:
    async with connect(ws_url, origin=Origin(origin)) as ws:
        assert json.loads(await ws.recv()) == {"result": {"version": "1.4"}}


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "https://127.0.0.1:8000", "null", "http://127.0.0.1.evil.example"]
)
async def test_other_origins_are_refused_with_a_close_reason(ws_url: str, origin: str) -> None:
    async with connect(ws_url, origin=Origin(origin)) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1008
    assert closed.value.rcvd.reason == ORIGIN_REFUSED_REASON
    assert "Сайт не допущен" in ORIGIN_REFUSED_REASON and "рұқсат жоқ" in ORIGIN_REFUSED_REASON


def test_origin_rule() -> None:
    assert origin_allowed([])
    assert origin_allowed(["http://127.0.0.1:8000"])
    assert origin_allowed(["http://localhost:65535"])
    assert not origin_allowed(["http://127.0.0.1:8000", "http://127.0.0.1:8000"])
    assert not origin_allowed(["http://localhost.evil:80"])
    assert not origin_allowed(["http://127.0.0.1:8000/"])
    assert not origin_allowed(["file://"])
    assert len(ORIGIN_REFUSED_REASON.encode()) <= 123  # the WebSocket limit of a close reason


async def test_healthz_over_plain_http(ws_url: str) -> None:
    http_url = ws_url.replace("ws://", "http://").rstrip("/")
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{http_url}/healthz")
        other = await client.get(f"{http_url}/")
    assert (response.status_code, response.text) == (200, "ok")
    assert other.status_code == 426  # Upgrade Required: the rest is WebSocket only


async def test_healthz_is_503_until_a_key_appears(tmp_path: Path, ca: Any) -> None:
    keys = tmp_path / "keys"
    server = await start_server(Signer(keys), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient() as client:
            before = await client.get(f"http://127.0.0.1:{port}/healthz")
            ca.issue(keys / "adult", ADULT_IIN, "Ахметов", "Ерлан")
            after = await client.get(f"http://127.0.0.1:{port}/healthz")
    finally:
        server.close()
        await server.wait_closed()
    assert (before.status_code, before.text) == (503, "no keys")
    assert (after.status_code, after.text) == (200, "ok")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_serve_runs_until_stopped(keys_dir: Path) -> None:
    port = free_port()
    stop = asyncio.Event()
    started: list[Server] = []
    task = asyncio.create_task(
        serve(keys_dir, "127.0.0.1", port, default="pensioner", stop=stop, started=started.append)
    )
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(100):
                try:
                    if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
        assert len(started) == 1
        async with connect(f"ws://127.0.0.1:{port}/", origin=Origin(ORIGIN)) as ws:
            await ws.recv()
            answer = await ask(ws, sign("<a>no ИИН here</a>"))
        verified = verify_document(parse_xml(answer["responseObject"]))
        assert identity_from_certificate(verified.certificate).iin == PENSIONER_IIN  # the --default key
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    with pytest.raises(httpx.TransportError):
        async with httpx.AsyncClient() as client:
            await client.get(f"http://127.0.0.1:{port}/healthz")
