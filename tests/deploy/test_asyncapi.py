"""contracts/asyncapi.yaml: a valid AsyncAPI 3.0 document of the bus that ARCHITECTURE.md describes.

check-jsonschema ships no AsyncAPI schema, so the official AsyncAPI 3.0.0 JSON Schema is vendored
under schemas/ (see schemas/README.md) and the document is validated against it offline; the checks
below add what a JSON Schema cannot say (references resolve, names match the architecture).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema.exceptions
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DOCUMENT_PATH = REPO / "contracts" / "asyncapi.yaml"
SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "asyncapi-3.0.0.schema.json"


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    loaded = yaml.safe_load(DOCUMENT_PATH.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict), "contracts/asyncapi.yaml is not a YAML mapping"
    return loaded


def architecture_bus_names() -> set[str]:
    """Exchange and queue names of ARCHITECTURE.md's "Bus topology" table, `<systemId>` → `{systemId}`."""
    lines = (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("## Bus topology"))
    names: set[str] = set()
    for line in lines[start + 1 :]:
        if line.startswith("## "):
            break
        if not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) < 3:
            continue
        for cell in (cells[0], cells[2]):  # exchange, queue(s)
            for name in re.findall(r"`(shep\.[^`]+)`", cell):
                names.add(name.replace("<systemId>", "{systemId}"))
    assert names, "no bus names found in ARCHITECTURE.md"
    return names


def refs(node: Any, path: str = "#") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield path, value
            else:
                yield from refs(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from refs(item, f"{path}/{index}")


def resolve(doc: dict[str, Any], pointer: str) -> Any:
    assert pointer.startswith("#/"), f"only local references are used, not {pointer}"
    node: Any = doc
    for part in pointer[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"{pointer} does not resolve"
        node = node[part]
    return node


def test_is_asyncapi_3(doc: dict[str, Any]) -> None:
    assert re.fullmatch(r"3\.\d+\.\d+", str(doc["asyncapi"])), doc["asyncapi"]
    assert doc["info"]["title"] and doc["info"]["version"]


def test_validates_against_the_asyncapi_schema(doc: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert doc["asyncapi"] == schema["properties"]["asyncapi"]["const"], (
        "vendored schema is for another version"
    )
    validator = jsonschema.Draft7Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(doc))
    assert error is None, f"{'/'.join(map(str, error.absolute_path))}: {error.message}"


def test_channel_addresses_are_the_architecture_names(doc: dict[str, Any]) -> None:
    addresses = {ch["address"] for ch in doc["channels"].values() if ch.get("address") is not None}
    expected = architecture_bus_names()
    extra, missing = sorted(addresses - expected), sorted(expected - addresses)
    assert not extra and not missing, f"not in ARCHITECTURE.md: {extra}; missing here: {missing}"


def test_every_reference_resolves(doc: dict[str, Any]) -> None:
    for where, target in refs(doc):
        resolve(doc, target), where


def test_operations_use_messages_of_their_channel(doc: dict[str, Any]) -> None:
    for name, operation in doc["operations"].items():
        channel_ref = operation["channel"]["$ref"]
        for message in operation.get("messages", []):
            assert message["$ref"].startswith(channel_ref + "/messages/"), (name, message["$ref"])
        reply = operation.get("reply")
        if reply:
            for message in reply.get("messages", []):
                assert message["$ref"].startswith(reply["channel"]["$ref"] + "/messages/"), (name, message)


def test_parameters_are_declared_for_every_placeholder(doc: dict[str, Any]) -> None:
    for name, channel in doc["channels"].items():
        placeholders = set(re.findall(r"\{(\w+)\}", channel.get("address") or ""))
        assert placeholders == set(channel.get("parameters", {})), name


def test_amqp_bindings_of_exchanges_and_queues(doc: dict[str, Any]) -> None:
    types = {"shep.sync": "direct", "shep.async": "direct", "shep.dlx": "fanout"}
    for name, channel in doc["channels"].items():
        binding = channel["bindings"]["amqp"]
        address = channel.get("address")
        if binding["is"] == "routingKey":
            exchange = binding["exchange"]
            assert exchange["name"] == address and exchange["type"] == types[address], name
            assert exchange["durable"] is True, name
        elif address is not None:  # the named, durable queues (the reply queue is dynamic)
            queue = binding["queue"]
            assert queue["name"] == address and queue["durable"] is True and queue["exclusive"] is False, name
            if address.startswith(("shep.sync.", "shep.async.")):
                assert channel["x-amqp-queue-arguments"] == {"x-dead-letter-exchange": "shep.dlx"}, name
        else:
            assert binding["queue"]["exclusive"] is True and binding["queue"]["autoDelete"] is True, name


def test_publishing_operations_are_persistent_and_mandatory(doc: dict[str, Any]) -> None:
    sends = {n: op for n, op in doc["operations"].items() if op["action"] == "send" and n != "deadLetter"}
    assert {"sendSyncRequest", "sendSyncReply", "sendAsyncMessage"} <= set(sends)
    for name, operation in sends.items():
        amqp = operation["bindings"]["amqp"]
        assert amqp["deliveryMode"] == 2 and amqp["mandatory"] is True, name


def test_sync_request_replies_on_reply_to(doc: dict[str, Any]) -> None:
    for name in ("sendSyncRequest", "receiveSyncRequest"):
        reply = doc["operations"][name]["reply"]
        assert reply["address"]["location"] == "$message.header#/reply_to", name


def test_messages_carry_the_documented_headers(doc: dict[str, Any]) -> None:
    headers = doc["components"]["schemas"]["ShepMessageHeaders"]["properties"]
    for name in (
        "message_id",
        "correlation_id",
        "reply_to",
        "type",
        "traceparent",
        "tracestate",
        "x-shep-sender",
    ):
        assert name in headers, name
    assert headers["delivery_mode"]["const"] == 2
    assert headers["content_type"]["const"] == "text/xml; charset=utf-8"
    for name, message in doc["components"]["messages"].items():
        assert message["contentType"].startswith("text/xml"), name
        assert "ShepMessageHeaders" in json.dumps(message["headers"]), name


def test_payloads_reference_the_xml_schemas_in_contracts(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    referenced: set[str] = set()
    for schema in schemas.values():
        xml = schema.get("x-xml-schemas")
        if xml:
            referenced.add(xml["envelope"])
            referenced.update(xml.get("bodies", []))
    assert {"contracts/shep/", "contracts/gbdfl/", "contracts/enis/"} <= referenced
    for path in referenced:
        assert (REPO / path).exists(), f"contracts/asyncapi.yaml references {path}, which does not exist"
    for name, message in doc["components"]["messages"].items():
        payload = resolve(doc, message["payload"]["$ref"])
        assert "x-xml-schemas" in payload or "SignedSoapEnvelope" in message["payload"]["$ref"], name
