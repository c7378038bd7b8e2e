"""`egov signer` (``signer_command``) through typer's CliRunner, and as the process the supervisor starts."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from egov_cli.signer import command
from egov_cli.signer.command import signer_command
from egov_cli.signer.protocol import MODULE
from egov_kit.dsig import verify_document
from egov_kit.pki import identity_from_certificate
from egov_kit.xml import parse_xml
from typer.testing import CliRunner
from websockets.asyncio.client import connect
from websockets.typing import Origin

from tests.signer.conftest import PENSIONER_IIN

REPO = Path(__file__).resolve().parents[2]


def cli() -> typer.Typer:
    app = typer.Typer()
    app.command("signer")(signer_command)
    app.command("noop", hidden=True)(lambda: None)  # keep "signer" a sub-command
    return app


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli(), ["signer", *args], env={"COLUMNS": "200"})
    return result.exit_code, result.output


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Replace serve() by a recorder: the command's checks run, nothing listens."""
    calls: list[dict[str, Any]] = []

    async def fake_serve(keys_dir: Path, host: str, port: int, *, default: str | None = None) -> None:
        calls.append({"keys_dir": keys_dir, "host": host, "port": port, "default": default})

    monkeypatch.setattr(command, "serve", fake_serve)
    return calls


def test_lists_the_keys_and_serves(keys_dir: Path, served: list[dict[str, Any]]) -> None:
    code, output = invoke("--keys", str(keys_dir), "--port", "23579", "--default", "pensioner")
    assert code == 0, output
    assert "adult" in output and PENSIONER_IIN in output
    assert served == [
        {"keys_dir": keys_dir.resolve(), "host": "127.0.0.1", "port": 23579, "default": "pensioner"}
    ]


def test_port_from_the_environment(
    keys_dir: Path, served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIGNER_PORT", "24579")
    code, output = invoke("--keys", str(keys_dir))
    assert code == 0, output
    assert served[0]["port"] == 24579


def test_an_unknown_default_key_stops_the_command(keys_dir: Path, served: list[dict[str, Any]]) -> None:
    code, output = invoke("--keys", str(keys_dir), "--default", "nobody")
    assert code == 1
    assert "nobody" in output
    assert served == []


def test_an_empty_folder_still_serves_and_says_how_to_fill_it(
    tmp_path: Path, served: list[dict[str, Any]]
) -> None:
    code, output = invoke("--keys", str(tmp_path / "empty"))
    assert code == 0, output
    assert "no keys" in output and "--issue-test-persons" in output
    assert len(served) == 1


def test_issuing_without_nuc_mock_fails_clearly(tmp_path: Path, served: list[dict[str, Any]]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    nuc_url = f"http://127.0.0.1:{port}"
    code, output = invoke(
        "--keys", str(tmp_path / "keys"), "--issue-test-persons", "--nuc-url", nuc_url, "--nuc-wait", "0"
    )  # fmt: skip
    assert code == 1
    assert "unreachable" in output
    assert served == []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_python_m_egov_cli_signer_as_the_supervisor_starts_it(keys_dir: Path) -> None:
    port = free_port()
    env = {**os.environ, "PORT": str(port), "PYTHONUNBUFFERED": "1"}
    env.pop("SIGNER_PORT", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "egov_cli.signer", "--keys", str(keys_dir),
        env=env, cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        async with httpx.AsyncClient() as client:
            while True:
                if proc.returncode is not None:
                    output = await proc.stdout.read() if proc.stdout else b""
                    pytest.fail(f"the signer exited: {output.decode()}")
                try:
                    if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the signer did not become healthy"
                await asyncio.sleep(0.1)
        async with connect(f"ws://127.0.0.1:{port}/", origin=Origin("http://localhost:8000")) as ws:
            assert json.loads(await ws.recv()) == {"result": {"version": "1.4"}}
            xml = f"<a><iin>{PENSIONER_IIN}</iin></a>"
            await ws.send(
                json.dumps({"module": MODULE, "method": "signXml", "args": ["PKCS12", "", xml, "", ""]})
            )
            answer = json.loads(await asyncio.wait_for(ws.recv(), 30))
        certificate = verify_document(parse_xml(answer["responseObject"])).certificate
        assert identity_from_certificate(certificate).iin == PENSIONER_IIN
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except TimeoutError:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0
