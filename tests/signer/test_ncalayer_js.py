"""kit's static ncalayer.js: a syntax check, and the real thing under node against the signer."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from egov_cli.signer import server as signer_server
from egov_kit.dsig import verify_document
from egov_kit.pki import identity_from_certificate
from egov_kit.xml import parse_xml
from websockets.asyncio.server import ServerConnection, serve

from tests.signer.conftest import ADULT_IIN, MALFORMED, PENSIONER_IIN

REPO = Path(__file__).resolve().parents[2]
NCALAYER_JS = REPO / "kit" / "src" / "egov_kit" / "static" / "ncalayer.js"
DRIVER = Path(__file__).with_name("ncalayer_driver.js")
NODE = shutil.which("node")

needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")


@cache
def node_websocket_flags() -> list[str] | None:
    """Flags that give node a global WebSocket (built in from node 22, behind a flag in 20–21)."""
    assert NODE is not None
    for flags in ([], ["--experimental-websocket"]):
        probe = subprocess.run(
            [NODE, *flags, "-e", "process.exit(typeof WebSocket === 'function' ? 0 : 1)"],
            capture_output=True,
            timeout=30,
        )
        if probe.returncode == 0:
            return flags
    return None


def iin_of(signed: str) -> str | None:
    return identity_from_certificate(verify_document(parse_xml(signed)).certificate).iin


async def drive(url: str, scenario: str, arg: str = "") -> dict[str, Any]:
    flags = node_websocket_flags()
    if flags is None:
        pytest.skip("this node has no WebSocket client")
    assert NODE is not None
    proc = await asyncio.create_subprocess_exec(
        NODE, *flags, str(DRIVER), str(NCALAYER_JS), url, scenario, arg,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        stdout, stderr = await asyncio.wait_for(proc.communicate(), 60)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    assert proc.returncode == 0, (stdout.decode(), stderr.decode())
    result = json.loads(stdout)
    assert isinstance(result, dict)
    return result


@needs_node
def test_ncalayer_js_syntax() -> None:
    assert NODE is not None
    checked = subprocess.run([NODE, "--check", str(NCALAYER_JS)], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr


def test_ncalayer_js_is_the_only_static_asset() -> None:
    assert sorted(p.name for p in NCALAYER_JS.parent.iterdir()) == ["ncalayer.js"]


@needs_node
async def test_tokens_queued_signatures_sign_form_and_reconnect(ws_url: str) -> None:
    result = await drive(ws_url, "ok", PENSIONER_IIN)
    assert result["version"] == "1.4"
    assert result["tokens"] == ["PKCS12"]
    assert result["first"]["ok"] and iin_of(result["first"]["value"]) == PENSIONER_IIN
    assert result["broken"] == {"ok": False, "code": "500", "message": MALFORMED}
    assert result["third"]["ok"] and iin_of(result["third"]["value"]) == ADULT_IIN  # no ИИН: the default key
    form = result["form"]
    assert form["result"]["ok"] and form["signed"] == form["result"]["value"]
    assert iin_of(form["signed"]) == PENSIONER_IIN
    assert (form["submitted"], form["busy"]) == (1, None)
    bad = result["badForm"]
    assert (bad["result"]["ok"], bad["result"]["code"], bad["submitted"]) == (False, "NO_FIELD", 0)
    assert bad["error"] == bad["result"]["message"] and "форма" in bad["error"]
    assert result["afterClose"] == {"ok": True, "value": ["PKCS12"]}


@needs_node
async def test_not_running() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = await drive(f"ws://127.0.0.1:{port}/", "notRunning")
    assert result["connecting"]["code"] == "NOT_RUNNING"
    assert result["call"]["code"] == "NOT_RUNNING"
    assert "NCALayer не запущен" in result["call"]["message"]
    assert "іске қосылмаған" in result["call"]["message"]


@needs_node
async def test_a_silent_server_times_out() -> None:
    async def silent(connection: ServerConnection) -> None:
        await connection.wait_closed()

    async with serve(silent, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        result = await drive(f"ws://127.0.0.1:{port}/", "timeout")
    assert result["call"]["code"] == "TIMEOUT"
    assert 250 <= result["elapsed"] < 10_000


@needs_node
async def test_a_refused_origin_rejects_with_the_close_reason(
    ws_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # node's WebSocket sends no Origin; refuse every origin to see what a foreign page would see.
    monkeypatch.setattr(signer_server, "origin_allowed", lambda _origins: False)
    result = await drive(ws_url, "refused")
    assert result["call"]["code"] == "CLOSED"
    assert signer_server.ORIGIN_REFUSED_REASON in result["call"]["message"]
