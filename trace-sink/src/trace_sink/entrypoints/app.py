"""trace-sink's HTTP face: OTLP/HTTP ingest (``POST /v1/traces``), the query API, ``/healthz``.

``create_app`` prepares the database eagerly, so the app also works in-process without lifespan
events. trace-sink exports no spans of its own: it would be exporting to itself.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from egov_kit.db import create_engine_for, create_tables, database_ready
from egov_kit.web import Readiness, healthz_router
from fastapi import FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from trace_sink.adapters.otlp import response_body
from trace_sink.adapters.repository import SpanRepository
from trace_sink.adapters.tables import SpanRow
from trace_sink.domain.model import MalformedExport, SpanQuery
from trace_sink.service_layer.ingest import SpanStore
from trace_sink.settings import Settings

_TRACE_ID = re.compile(r"^[0-9a-fA-F]{32}$")

TAGS = [
    {"name": "otlp", "description": "OTLP/HTTP trace export (protobuf or JSON)"},
    {"name": "query", "description": "Stored spans by trace, application, service, step"},
    {"name": "health", "description": "Readiness"},
]


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)


def parse_since(value: str | None) -> int | None:
    """``since``: Unix nanoseconds, or an ISO 8601 moment (a naive one is taken as UTC)."""
    if value is None or value == "":
        return None
    if value.lstrip("-").isdigit():
        return int(value)
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1_000_000_000)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    engine = create_engine_for(settings.db_url)
    create_tables(engine, SpanRow)
    store = SpanStore(SpanRepository(engine), settings.max_spans, settings.max_request_bytes)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="trace-sink",
        description="A small OTLP/HTTP span store: services export to it, `egov replay` reads from it.",
        version="0.1.0",
        openapi_tags=TAGS,
        lifespan=lifespan,
    )
    app.state.store = store
    readiness = Readiness(settings.service_name)
    readiness.add("database", lambda: database_ready(engine))
    app.include_router(healthz_router(readiness))

    @app.post("/v1/traces", tags=["otlp"], summary="OTLP/HTTP ExportTraceServiceRequest")
    async def export_traces(request: Request) -> Response:
        content_type = request.headers.get("content-type")
        media = (content_type or "").split(";")[0].strip().lower()
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > settings.max_request_bytes:
            return _error(413, "TOO_LARGE", f"the body exceeds {settings.max_request_bytes} bytes")
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > settings.max_request_bytes:
                return _error(413, "TOO_LARGE", f"the body exceeds {settings.max_request_bytes} bytes")
            chunks.append(chunk)
        body = b"".join(chunks)
        try:
            await run_in_threadpool(
                store.ingest,
                body,
                content_type=content_type,
                content_encoding=request.headers.get("content-encoding"),
            )
        except MalformedExport as exc:
            return _error(400, exc.code, str(exc))
        payload, response_type = response_body(media)
        return Response(payload, media_type=response_type)

    @app.get("/api/traces/{trace_id}", tags=["query"], summary="Every span of a trace, by start time")
    async def get_trace(trace_id: str) -> JSONResponse:
        if not _TRACE_ID.match(trace_id):
            return _error(400, "INVALID_TRACE_ID", "a trace id is 32 hexadecimal digits")
        spans = await run_in_threadpool(store.trace, trace_id)
        if not spans:
            return _error(404, "TRACE_NOT_FOUND", f"no spans of trace {trace_id.lower()}")
        return JSONResponse({"trace_id": trace_id.lower(), "spans": [span.to_json() for span in spans]})

    @app.get("/api/spans", tags=["query"], summary="Spans by application, service, step, time")
    async def get_spans(
        application: str | None = None,
        service: str | None = None,
        step_id: str | None = None,
        trace_id: str | None = None,
        since: Annotated[
            str | None, Query(description="Unix ns or ISO 8601: spans starting then or later")
        ] = (None),
        limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    ) -> JSONResponse:
        try:
            since_ns = parse_since(since)
        except ValueError:
            return _error(400, "INVALID_SINCE", "since is Unix nanoseconds or an ISO 8601 moment")
        query = SpanQuery(
            application=application,
            service=service,
            step_id=step_id,
            trace_id=trace_id,
            since_ns=since_ns,
            limit=limit,
        )
        spans = await run_in_threadpool(store.search, query)
        body: dict[str, Any] = {"count": len(spans), "spans": [span.to_json() for span in spans]}
        return JSONResponse(body)

    @app.get("/api/services", tags=["query"], summary="Names of the services that exported spans")
    async def get_services() -> JSONResponse:
        return JSONResponse(await run_in_threadpool(store.repository.services))

    return app
