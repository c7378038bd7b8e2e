"""Fixtures of nuc-mock's tests: the app in-process, or served by uvicorn on a free port (CLI)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from egov_kit.clock import configure_clock
from fastapi import FastAPI
from nuc_mock.entrypoints.app import create_app
from nuc_mock.settings import Settings

from tests.pki.support import Nuc


@pytest.fixture(autouse=True)
def _reset_clock() -> Iterator[None]:
    configure_clock()
    yield
    configure_clock()


@pytest.fixture
def nuc(tmp_path: Path) -> Nuc:
    return Nuc.start(tmp_path / "var")


@dataclass
class ServedNuc:
    url: str
    var_dir: Path
    app: FastAPI


@pytest.fixture(scope="module")
def served_nuc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedNuc]:
    """nuc-mock over real HTTP (uvicorn in a thread) on a free port of 127.0.0.1."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    var_dir = tmp_path_factory.mktemp("served-nuc")
    app = create_app(Settings(var_dir=var_dir, nuc_url=url))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield ServedNuc(url, var_dir, app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
