"""trace-sink: OTLP/HTTP ingest (protobuf as the SDK's exporter sends it, and JSON) → the query API."""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode
from trace_sink.entrypoints.app import create_app, parse_since
from trace_sink.settings import Settings

PROTOBUF = {"Content-Type": "application/x-protobuf"}


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(var_dir=tmp_path / "var", **overrides)  # type: ignore[arg-type]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(_settings(tmp_path))) as test_client:
        yield test_client


def _spans(service: str = "egov-portal") -> Sequence[ReadableSpan]:
    """A small trace of an application: a root span, two step spans, one failing."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("replay h1_portal_success"):
        with tracer.start_as_current_span("process 1: Authorisation on the portal") as step:
            step.set_attribute("egov.step.id", "process 1")
            step.set_attribute("egov.system", "egov-portal")
            step.set_attribute("egov.application", "APP-1")
            step.set_attribute("egov.service", "H1")
            step.set_attribute("egov.retries", 2)
            step.set_attribute("egov.tags", ["a", "b"])
        time.sleep(0.002)
        with tracer.start_as_current_span("condition 2: Certificate check") as step:
            step.set_attribute("egov.step.id", "condition 2")
            step.set_attribute("egov.application", "APP-1")
            step.set_status(Status(StatusCode.ERROR, "CERTIFICATE_REVOKED"))
    provider.shutdown()
    return exporter.get_finished_spans()


def _export(client: TestClient, spans: Sequence[ReadableSpan]) -> None:
    body = encode_spans(spans).SerializeToString()
    response = client.post("/v1/traces", content=body, headers=PROTOBUF)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-protobuf")


def test_healthz_reports_the_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": True}


def test_protobuf_export_is_stored_and_read_back_by_trace(client: TestClient) -> None:
    spans = _spans()
    _export(client, spans)
    trace_id = format(spans[0].context.trace_id, "032x")

    response = client.get(f"/api/traces/{trace_id}")
    assert response.status_code == 200
    body = response.json()
    names = [span["name"] for span in body["spans"]]
    # ordered by start time: the root first, then the steps in the order they ran
    assert names == [
        "replay h1_portal_success",
        "process 1: Authorisation on the portal",
        "condition 2: Certificate check",
    ]
    root, first, second = body["spans"]
    assert root["parent_span_id"] == ""
    assert first["parent_span_id"] == root["span_id"]
    assert first["service"] == "egov-portal"
    assert first["step_id"] == "process 1"
    assert first["application"] == "APP-1"
    assert first["attributes"]["egov.system"] == "egov-portal"
    assert first["attributes"]["egov.retries"] == 2
    assert first["attributes"]["egov.tags"] == ["a", "b"]
    assert first["end_ns"] >= first["start_ns"] > 0
    assert second["status"] == "error"
    assert second["status_message"] == "CERTIFICATE_REVOKED"
    assert client.get(f"/api/traces/{trace_id.upper()}").status_code == 200


def test_span_search_by_application_step_service_and_since(client: TestClient) -> None:
    spans = _spans("egov-portal")
    _export(client, spans)
    _export(client, _spans("phc-registry"))

    by_application = client.get("/api/spans", params={"application": "APP-1"}).json()
    assert by_application["count"] == 4
    assert {span["service"] for span in by_application["spans"]} == {"egov-portal", "phc-registry"}

    by_step = client.get("/api/spans", params={"step_id": "condition 2", "service": "phc-registry"}).json()
    assert [(s["service"], s["step_id"]) for s in by_step["spans"]] == [("phc-registry", "condition 2")]

    limited = client.get("/api/spans", params={"service": "egov-portal", "limit": 1}).json()
    assert limited["count"] == 1

    later = max(span.start_time or 0 for span in spans)
    after = client.get("/api/spans", params={"since": str(later), "service": "egov-portal"}).json()
    assert [s["name"] for s in after["spans"]] == ["condition 2: Certificate check"]
    assert client.get("/api/spans", params={"since": "yesterday"}).status_code == 400
    assert client.get("/api/services").json() == ["egov-portal", "phc-registry"]


def test_repeated_export_is_stored_once(client: TestClient) -> None:
    spans = _spans()
    _export(client, spans)
    _export(client, spans)
    trace_id = format(spans[0].context.trace_id, "032x")
    assert len(client.get(f"/api/traces/{trace_id}").json()["spans"]) == 3


def test_json_export_with_hex_ids(client: TestClient) -> None:
    trace_id = "5b8efff798038103d269b633813fc60c"
    document = {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "gateway-shep"}}]
                },
                "scopeSpans": [
                    {
                        "scope": {"name": "egov"},
                        "spans": [
                            {
                                "traceId": trace_id,
                                "spanId": "eee19b7ec3c1b174",
                                "parentSpanId": "",
                                "name": "SendMessage",
                                "kind": 2,
                                "startTimeUnixNano": "1544712660000000000",
                                "endTimeUnixNano": "1544712661000000000",
                                "attributes": [
                                    {"key": "egov.step.id", "value": {"stringValue": "process 5"}},
                                    {"key": "shep.ok", "value": {"boolValue": True}},
                                    {"key": "shep.size", "value": {"intValue": "2048"}},
                                ],
                                "status": {"code": 1},
                            }
                        ],
                    }
                ],
            }
        ]
    }
    response = client.post("/v1/traces", json=document)
    assert response.status_code == 200
    assert response.json() == {}
    (span,) = client.get(f"/api/traces/{trace_id}").json()["spans"]
    assert span["span_id"] == "eee19b7ec3c1b174"
    assert span["service"] == "gateway-shep"
    assert span["kind"] == "server"
    assert span["status"] == "ok"
    assert span["duration_ms"] == 1000.0
    assert span["attributes"] == {"egov.step.id": "process 5", "shep.ok": True, "shep.size": 2048}


def test_gzip_body_is_accepted(client: TestClient) -> None:
    spans = _spans()
    body = gzip.compress(encode_spans(spans).SerializeToString())
    response = client.post("/v1/traces", content=body, headers={**PROTOBUF, "Content-Encoding": "gzip"})
    assert response.status_code == 200
    assert client.get("/api/spans", params={"application": "APP-1"}).json()["count"] == 2


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"\xff\xff\xff not protobuf", PROTOBUF),
        (b"{not json", {"Content-Type": "application/json"}),
        (b"[]", {"Content-Type": "application/json"}),
        (b"not gzip", {**PROTOBUF, "Content-Encoding": "gzip"}),
        (b"", {**PROTOBUF, "Content-Encoding": "br"}),
    ],
)
def test_malformed_exports_are_refused(client: TestClient, body: bytes, headers: dict[str, str]) -> None:
    response = client.post("/v1/traces", content=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["error"] == "MALFORMED_EXPORT"


def test_unknown_and_invalid_trace_ids(client: TestClient) -> None:
    assert client.get("/api/traces/" + "0" * 31 + "1").status_code == 404
    assert client.get("/api/traces/not-a-trace").json()["error"] == "INVALID_TRACE_ID"


def test_too_large_body_is_refused(tmp_path: Path) -> None:
    with TestClient(create_app(_settings(tmp_path, max_request_bytes=2048))) as small:
        response = small.post("/v1/traces", content=b"\0" * 4096, headers=PROTOBUF)
        assert response.status_code == 413
        bomb = gzip.compress(b"\0" * 100_000)
        response = small.post("/v1/traces", content=bomb, headers={**PROTOBUF, "Content-Encoding": "gzip"})
        assert response.status_code == 400


def test_retention_keeps_the_newest_spans(tmp_path: Path) -> None:
    with TestClient(create_app(_settings(tmp_path, max_spans=5))) as small:
        traces = []
        for _ in range(4):
            spans = _spans()
            traces.append(format(spans[0].context.trace_id, "032x"))
            _export(small, spans)
        store = small.app.state.store  # type: ignore[attr-defined]
        assert store.repository.count() <= 5 + 1
        assert small.get(f"/api/traces/{traces[0]}").status_code == 404
        assert len(small.get(f"/api/traces/{traces[-1]}").json()["spans"]) == 3


def test_since_accepts_iso_and_nanoseconds() -> None:
    assert parse_since("1700000000000000000") == 1_700_000_000_000_000_000
    assert parse_since("2023-11-14T22:13:20Z") == 1_700_000_000_000_000_000
    assert parse_since("2023-11-14T22:13:20") == 1_700_000_000_000_000_000
    assert parse_since(None) is None


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def test_the_sdk_exporter_delivers_to_a_served_sink(tmp_path: Path) -> None:
    """What every service does: OTLPSpanExporter over real HTTP to trace-sink."""
    app = create_app(_settings(tmp_path))
    sock = _free_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    try:
        provider = TracerProvider(resource=Resource.create({"service.name": "phc-registry"}))
        provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=url + "/v1/traces")))
        with provider.get_tracer("test").start_as_current_span("process 6: Registration") as step:
            step.set_attribute("egov.step.id", "process 6")
            trace_id = format(step.get_span_context().trace_id, "032x")
        provider.shutdown()
        with TestClient(app) as client:
            spans = client.get(f"/api/traces/{trace_id}").json()["spans"]
        assert [(s["service"], s["step_id"]) for s in spans] == [("phc-registry", "process 6")]
        assert json.dumps(spans)  # plain JSON all the way
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
