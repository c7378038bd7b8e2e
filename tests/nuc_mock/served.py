"""nuc-mock served over real HTTP by uvicorn in a thread, on a free port of 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from nuc_mock.entrypoints.app import create_app
from nuc_mock.settings import Settings


@dataclass
class ServedNuc:
    url: str
    var_dir: Path
    app: FastAPI


@contextmanager
def serve_nuc(var_dir: Path) -> Iterator[ServedNuc]:
    # The socket is bound first so the URL written into certificates is known before the app exists.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
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
