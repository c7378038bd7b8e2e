"""Decode OTLP/HTTP trace exports (protobuf or JSON) into :class:`SpanRecord`.

Protobuf is what the OpenTelemetry SDK's ``OTLPSpanExporter`` sends. In OTLP/JSON trace and span ids
are hex strings (not the base64 of proto3's JSON mapping), so they are converted before parsing.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import zlib
from typing import Any

from google.protobuf.json_format import ParseDict, ParseError
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from trace_sink.domain.model import KIND_NAMES, STATUS_NAMES, MalformedExport, SpanRecord

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
_ID_FIELDS = ("traceId", "spanId", "parentSpanId")


def decompress(body: bytes, encoding: str | None, *, limit: int) -> bytes:
    """Undo ``Content-Encoding`` (gzip, deflate), refusing bodies that inflate beyond ``limit``."""
    encoding = (encoding or "identity").strip().lower()
    if encoding in ("", "identity"):
        return body
    try:
        if encoding == "gzip":
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            inflater = zlib.decompressobj()
        else:
            raise MalformedExport(f"unsupported Content-Encoding {encoding!r}")
        data = inflater.decompress(body, limit + 1)
    except (zlib.error, gzip.BadGzipFile) as exc:
        raise MalformedExport(f"cannot decompress the body: {exc}") from exc
    if len(data) > limit or inflater.unconsumed_tail:
        raise MalformedExport(f"the decompressed body exceeds {limit} bytes")
    return data


def parse_request(body: bytes, content_type: str | None) -> ExportTraceServiceRequest:
    """The export request in ``body``: JSON when the content type says so, protobuf otherwise."""
    media = (content_type or PROTOBUF).split(";")[0].strip().lower()
    request = ExportTraceServiceRequest()
    if media == JSON:
        try:
            document = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise MalformedExport(f"invalid JSON: {exc}") from exc
        if not isinstance(document, dict):
            raise MalformedExport("an OTLP/JSON export is a JSON object")
        try:
            ParseDict(_hex_ids_to_base64(document), request, ignore_unknown_fields=True)
        except (ParseError, ValueError, TypeError) as exc:
            raise MalformedExport(f"not an OTLP/JSON trace export: {exc}") from exc
        return request
    try:
        request.ParseFromString(body)
    except (DecodeError, ValueError) as exc:
        raise MalformedExport(f"not an OTLP protobuf trace export: {exc}") from exc
    return request


def response_body(media: str) -> tuple[bytes, str]:
    """An empty (fully accepted) ``ExportTraceServiceResponse`` in the request's encoding."""
    if media == JSON:
        return b"{}", JSON
    return ExportTraceServiceResponse().SerializeToString(), PROTOBUF


def spans_of(request: ExportTraceServiceRequest) -> list[SpanRecord]:
    """Every span of the export, flattened, with its resource's ``service.name``."""
    records: list[SpanRecord] = []
    for resource_spans in request.resource_spans:
        service = "?"
        for attribute in resource_spans.resource.attributes:
            if attribute.key == "service.name":
                service = str(any_value(attribute.value))
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                if len(span.trace_id) != 16 or len(span.span_id) != 8:
                    raise MalformedExport(f"span {span.name!r} has an invalid trace or span id")
                records.append(
                    SpanRecord(
                        trace_id=span.trace_id.hex(),
                        span_id=span.span_id.hex(),
                        parent_span_id=span.parent_span_id.hex(),
                        service=service,
                        name=span.name,
                        start_ns=int(span.start_time_unix_nano),
                        end_ns=int(span.end_time_unix_nano),
                        kind=KIND_NAMES.get(int(span.kind), str(int(span.kind))),
                        status=STATUS_NAMES.get(int(span.status.code), str(int(span.status.code))),
                        status_message=span.status.message,
                        attributes={a.key: any_value(a.value) for a in span.attributes},
                    )
                )
    return records


def any_value(value: AnyValue) -> Any:
    """An OTLP ``AnyValue`` as plain JSON data (bytes as hex)."""
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [any_value(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        return {item.key: any_value(item.value) for item in value.kvlist_value.values}
    if kind == "bytes_value":
        return value.bytes_value.hex()
    return getattr(value, kind)


def _hex_ids_to_base64(node: Any) -> Any:
    if isinstance(node, list):
        return [_hex_ids_to_base64(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted: dict[str, Any] = {}
    for key, item in node.items():
        if key in _ID_FIELDS and isinstance(item, str) and item:
            try:
                converted[key] = base64.b64encode(bytes.fromhex(item)).decode("ascii")
            except ValueError:
                try:  # already base64 (proto3 JSON mapping)
                    base64.b64decode(item, validate=True)
                except binascii.Error as exc:
                    raise MalformedExport(f"{key} {item!r} is neither hex nor base64") from exc
                converted[key] = item
        else:
            converted[key] = _hex_ids_to_base64(item)
    return converted
