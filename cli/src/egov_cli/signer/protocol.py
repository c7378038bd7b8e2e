"""The subset of NCALayer's WebSocket protocol the landscape's pages use, as JSON text frames.

On connect the server speaks first, as the real NCALayer does::

    ← {"result": {"version": "1.4"}}

Then the page sends one request at a time and waits for its answer:

    → {"module": "kz.gov.pki.knca.commonUtils", "method": "getActiveTokens"}
    ← {"code": "200", "responseObject": ["PKCS12"]}

    → {"module": "kz.gov.pki.knca.commonUtils", "method": "signXml",
       "args": ["PKCS12", "SIGNATURE", "<xml…/>", "", ""]}
    ← {"code": "200", "responseObject": "<xml…><ds:Signature>…</ds:Signature></xml…>"}

``signXml``'s arguments are the storage (one of ``getActiveTokens``' answer), the key type
(``SIGNATURE``; an empty string is taken as ``SIGNATURE``), the XML, and two XPaths (the element to
sign and where to put the signature) which must be empty: the whole document is signed and the
enveloped signature becomes the root's last child.

Failures come back as the real NCALayer reports them, code ``"500"`` and a message::

    ← {"code": "500", "message": "Документ … / Құжат …"}

(The real NCALayer answers ``"message": "action.canceled"`` when the user closes its dialog; the
sandbox never cancels.) Our messages are ``"<ru> / <kk>"``, see :mod:`egov_cli.signer.errors`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from egov_cli.signer.errors import (
    SignerError,
    bad_request,
    signing_failed,
    unsupported_method,
    unsupported_storage,
)

log = logging.getLogger("egov.signer")

MODULE = "kz.gov.pki.knca.commonUtils"
VERSION = "1.4"
STORAGE_PKCS12 = "PKCS12"
KEY_TYPE_SIGNATURE = "SIGNATURE"
CODE_OK = "200"
CODE_ERROR = "500"

METHOD_GET_ACTIVE_TOKENS = "getActiveTokens"
METHOD_SIGN_XML = "signXml"

Answer = dict[str, Any]


class TokenSigner(Protocol):
    """What the protocol needs from a signer (:class:`egov_cli.signer.server.Signer`)."""

    def get_active_tokens(self) -> list[str]: ...

    def sign_xml(self, xml: str) -> str: ...


@dataclass(frozen=True)
class Request:
    module: str
    method: str
    args: tuple[Any, ...] = ()


def greeting() -> Answer:
    """The first message on every connection, as the real NCALayer sends it."""
    return {"result": {"version": VERSION}}


def success(response_object: Any) -> Answer:
    return {"code": CODE_OK, "responseObject": response_object}


def failure(message: str) -> Answer:
    return {"code": CODE_ERROR, "message": message}


def encode(answer: Answer) -> str:
    return json.dumps(answer, ensure_ascii=False)


def parse_request(raw: str | bytes) -> Request:
    """A request frame as :class:`Request`; :class:`BadRequest` when it is not one."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise bad_request("кодировка не UTF-8", "кодтау UTF-8 емес") from exc
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise bad_request("не JSON", "JSON емес") from exc
    if not isinstance(body, dict):
        raise bad_request("ожидается JSON-объект", "JSON-объект күтіледі")
    module = body.get("module", "")
    method = body.get("method")
    if not isinstance(module, str) or not isinstance(method, str) or not method:
        raise bad_request("нет module/method", "module/method жоқ")
    args = body.get("args", [])
    if args is None:
        args = []
    if not isinstance(args, list):
        raise bad_request("args должен быть списком", "args тізім болуы керек")
    return Request(module, method, tuple(args))


def _string_arg(args: Sequence[Any], index: int, name: str, *, default: str | None = None) -> str:
    if index >= len(args) or args[index] is None:
        if default is not None:
            return default
        raise bad_request(f"нет аргумента {name}", f"{name} аргументі жоқ")
    value = args[index]
    if not isinstance(value, str):
        raise bad_request(f"аргумент {name} должен быть строкой", f"{name} аргументі жол болуы керек")
    return value


def dispatch(signer: TokenSigner, request: Request) -> Any:
    """The ``responseObject`` of a request; raise :class:`SignerError` on failure."""
    if request.module != MODULE:
        raise unsupported_method(request.module, request.method)
    if request.method == METHOD_GET_ACTIVE_TOKENS:
        return signer.get_active_tokens()
    if request.method == METHOD_SIGN_XML:
        storage = _string_arg(request.args, 0, "storageName")
        key_type = _string_arg(request.args, 1, "keyType", default="")
        xml = _string_arg(request.args, 2, "xml")
        tbs_xpath = _string_arg(request.args, 3, "tbsElementXPath", default="")
        parent_xpath = _string_arg(request.args, 4, "signatureParentElementXPath", default="")
        if storage not in signer.get_active_tokens():
            raise unsupported_storage(storage)
        if key_type not in ("", KEY_TYPE_SIGNATURE):
            raise bad_request(
                f"тип ключа {key_type!r} не подходит для подписи, нужен SIGNATURE",
                f"{key_type!r} кілт түрі қол қоюға жарамайды, SIGNATURE керек",
            )
        if tbs_xpath or parent_xpath:
            raise bad_request(
                "подписывается только документ целиком, XPath должны быть пустыми",
                "тек бүкіл құжатқа қол қойылады, XPath бос болуы керек",
            )
        return signer.sign_xml(xml)
    raise unsupported_method(request.module, request.method)


def handle(signer: TokenSigner, raw: str | bytes) -> Answer:
    """The answer to one request frame; never raises (failures are ``code: "500"`` answers)."""
    try:
        return success(dispatch(signer, parse_request(raw)))
    except SignerError as exc:
        if exc.exposed:
            log.info("request refused: %s", exc)
            return failure(exc.message)
        log.error("signing failed: %s", exc)
        return failure(exc.message)
    except Exception:
        log.exception("unexpected failure while answering a request")
        return failure(signing_failed().message)
