"""The local signer: NCALayer's WebSocket face (see :mod:`~egov_cli.signer.protocol`) over test keys.

:class:`Signer` does the work without any network (the CLI, the replay and tests call it directly);
:func:`serve` puts it on ``ws://127.0.0.1:13579/`` as the real NCALayer listens on
``wss://127.0.0.1:13579/`` (no TLS here: browsers allow ``ws://`` to the loopback from ``http://``
pages). ``GET /healthz`` answers plain HTTP on the same port: 200 ``ok`` once at least one key is
loaded, 503 before.

Like the real NCALayer, the signer only talks to pages it trusts: a browser always sends the page's
``Origin``, and only ``http://127.0.0.1[:port]`` and ``http://localhost[:port]`` (the landscape's
portal and provider workstations) are served. Any other origin gets no greeting and the connection
is closed at once with code 1008 (policy violation) and :data:`ORIGIN_REFUSED_REASON`. A request
without ``Origin`` comes from a program, not from a web page, and is served.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path

from egov_kit.dsig import sign_document
from egov_kit.xml import ForbiddenDtd, XmlError, XmlTooLarge, parse_xml
from lxml import etree
from websockets.asyncio.server import Server, ServerConnection
from websockets.asyncio.server import serve as ws_serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from egov_cli.signer.errors import (
    already_signed,
    forbidden_dtd,
    malformed_xml,
    signing_failed,
    xml_too_large,
)
from egov_cli.signer.keys import KeyStore, StoredKey, document_signer
from egov_cli.signer.protocol import STORAGE_PKCS12, Answer, encode, greeting, handle

log = logging.getLogger("egov.signer")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 13579
HEALTHZ_PATH = "/healthz"
# JSON-escaped XML up to egov_kit.xml's 5 MiB limit fits; larger frames close the connection (1009).
MAX_MESSAGE_BYTES = 16 * 1024 * 1024

ALLOWED_ORIGIN = re.compile(r"http://(?:127\.0\.0\.1|localhost)(?::[0-9]{1,5})?")
CLOSE_POLICY_VIOLATION = 1008
# A close reason is at most 123 bytes of UTF-8.
ORIGIN_REFUSED_REASON = "ORIGIN_NOT_ALLOWED / Сайт не допущен к NCALayer / Сайтқа NCALayer-ге рұқсат жоқ"

_DS_SIGNATURE = "{http://www.w3.org/2000/09/xmldsig#}Signature"


class Signer:
    """Signs XML documents with the key folder's keys, as NCALayer's ``signXml`` does.

    ``keys`` is a :class:`KeyStore` or the folder to read one from (``default`` names the key used
    when the document names no known ИИН). Thread-safe: the server signs in worker threads.
    """

    def __init__(self, keys: KeyStore | Path | str, *, default: str | None = None) -> None:
        self.keys = keys if isinstance(keys, KeyStore) else KeyStore(keys, default=default)

    def is_ready(self) -> bool:
        """At least one key to sign with (the folder is re-read if it changed)."""
        self.keys.refresh()
        return len(self.keys) > 0

    def get_active_tokens(self) -> list[str]:
        """The storages a page may pass to ``signXml``: file key stores only, no hardware tokens."""
        return [STORAGE_PKCS12]

    def sign_xml(self, xml: str | bytes) -> str:
        """The document with an enveloped XML-DSig by the key its ИИН selects, serialised (no declaration).

        Raises :class:`~egov_cli.signer.errors.SignerError`: ``InvalidDocument`` (malformed, DTD, too
        large, already signed), ``NoSigningKey``, ``SigningFailed``.
        """
        signed, _key = self.sign_document(self.parse(xml))
        return etree.tostring(signed, encoding="unicode")

    @staticmethod
    def parse(xml: str | bytes) -> etree._Element:
        """Parse outside XML with the kit's hardened parser; named errors in ru/kk."""
        try:
            return parse_xml(xml)
        except XmlTooLarge as exc:
            raise xml_too_large() from exc
        except ForbiddenDtd as exc:
            raise forbidden_dtd() from exc
        except XmlError as exc:
            raise malformed_xml() from exc

    def choose_key(self, root: etree._Element) -> StoredKey:
        """The key that signs ``root``: the one whose ИИН the document names, else the default key."""
        return self.keys.choose(document_signer(root))

    def sign_document(self, root: etree._Element) -> tuple[etree._Element, StoredKey]:
        """Sign ``root`` in place with the key :meth:`choose_key` picks; returns it and the key."""
        if any(child.tag == _DS_SIGNATURE for child in root):
            raise already_signed()
        key = self.choose_key(root)
        pair = key.pair
        try:
            sign_document(root, pair.private_key, pair.certificate, chain=pair.chain)
        except Exception as exc:
            log.exception("signing with key %s failed", key.describe())
            raise signing_failed() from exc
        log.info("signed <%s> with key %s", etree.QName(root).localname, key.describe())
        return root, key

    def handle(self, raw: str | bytes) -> Answer:
        """The protocol answer to one request frame (never raises)."""
        return handle(self, raw)


def origin_allowed(origins: list[str]) -> bool:
    """Whether a connection with these ``Origin`` header values may be served (see the module doc)."""
    if not origins:
        return True
    return len(origins) == 1 and ALLOWED_ORIGIN.fullmatch(origins[0]) is not None


def _origins(connection: ServerConnection) -> list[str]:
    request = connection.request
    if request is None:
        return []
    return request.headers.get_all("Origin")


async def _serve_connection(signer: Signer, connection: ServerConnection) -> None:
    origins = _origins(connection)
    if not origin_allowed(origins):
        log.warning("refused a connection from origin %s", ", ".join(origins))
        await connection.close(CLOSE_POLICY_VIOLATION, ORIGIN_REFUSED_REASON)
        return
    try:
        await connection.send(encode(greeting()))
        # One request at a time, answered in order, as NCALayer does.
        async for message in connection:
            answer = await asyncio.to_thread(signer.handle, message)
            await connection.send(encode(answer))
    except ConnectionClosed:
        pass


def _healthz(signer: Signer) -> Callable[[ServerConnection, Request], Response | None]:
    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        if request.path.split("?", 1)[0] != HEALTHZ_PATH:
            return None
        if signer.is_ready():
            return connection.respond(HTTPStatus.OK, "ok")
        return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "no keys")

    return process_request


async def start_server(signer: Signer, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> Server:
    """Start listening (``port=0`` picks a free port: see ``server.sockets``); close it when done."""

    async def handler(connection: ServerConnection) -> None:
        await _serve_connection(signer, connection)

    return await ws_serve(
        handler,
        host,
        port,
        process_request=_healthz(signer),
        max_size=MAX_MESSAGE_BYTES,
    )


async def serve(
    keys_dir: Path | str,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    default: str | None = None,
    stop: asyncio.Event | None = None,
    started: Callable[[Server], None] | None = None,
) -> None:
    """Serve the signer over ``keys_dir`` until ``stop`` is set (or the task is cancelled)."""
    signer = Signer(keys_dir, default=default)
    server = await start_server(signer, host, port)
    try:
        log.info("signer listening on ws://%s:%d/ with keys %s", host, port, ", ".join(signer.keys.names()))
        if started is not None:
            started(server)
        if stop is None:
            await asyncio.Future()
        else:
            await stop.wait()
    finally:
        server.close()
        await server.wait_closed()
