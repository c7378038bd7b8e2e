"""HTTP entry of ШЭП: the SOAP endpoints of both channels, the journal, the registry, /healthz."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from egov_kit.pki import CertificateValidator, crl_cache_dir, ensure_system_identity, fetch_trust
from egov_kit.shep import RESULT_CODES
from egov_kit.telemetry import extracted, setup_telemetry, span
from egov_kit.web import Readiness, healthz_router
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from opentelemetry.trace import SpanKind

from gateway_shep.adapters.bus import GatewayBus
from gateway_shep.adapters.database import open_store
from gateway_shep.adapters.journal import entry_to_json
from gateway_shep.adapters.journal_writer import JournalWriter
from gateway_shep.adapters.registry_file import load_registry
from gateway_shep.service_layer import async_channel, sync_channel
from gateway_shep.service_layer.answers import Answer
from gateway_shep.service_layer.context import GatewayContext
from gateway_shep.settings import Settings

SOAP_MEDIA_TYPE = "text/xml; charset=utf-8"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    registry = load_registry(settings.registry_path)
    readiness = Readiness("gateway-shep")
    state: dict[str, GatewayContext] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        setup_telemetry(settings.service_name, otlp_endpoint=settings.otlp_endpoint)
        own = registry.system(settings.system_id)
        trust = await fetch_trust(settings.nuc_url, settings.var_dir)
        keypair = await ensure_system_identity(
            settings.system_id,
            bin=own.certificate.bin,
            organisation=own.name.ru,
            nuc_url=settings.nuc_url,
            var_dir=settings.var_dir,
            key_kind="ec",
        )
        validator = CertificateValidator.from_trust(trust, crl_cache_dir=crl_cache_dir(settings.var_dir))
        store = open_store(settings.db_url)
        bus = GatewayBus(settings.amqp_url, registry.systems.keys())
        await bus.start()
        journal = JournalWriter(store.journal, store.seen)
        journal.start()
        state["ctx"] = GatewayContext(settings, registry, store, bus, keypair, validator, journal)
        readiness.add("database", store.ready)
        readiness.add("bus", lambda: bus.ready)
        try:
            yield
        finally:
            await journal.stop()
            await bus.stop()
            await validator.aclose()
            store.dispose()

    app = FastAPI(
        title="ШЭП — e-government gateway (sandbox)",
        description="SyncChannel and AsyncChannel SOAP endpoints, the hash-chained journal and the registry.",
        lifespan=lifespan,
    )
    app.include_router(healthz_router(readiness))

    async def soap(request: Request, handler: Any, path: str) -> Response:
        declared = int(request.headers.get("content-length") or 0)
        ctx = state["ctx"]
        with extracted(request.headers), span(f"ШЭП POST {path}", kind=SpanKind.SERVER):
            raw = await request.body() if declared <= ctx.settings.max_message_bytes else b"x" * (declared)
            answer: Answer = await handler(ctx, raw)
        return Response(answer.body, status_code=answer.status, media_type=SOAP_MEDIA_TYPE)

    @app.post("/bip-sync-wss/", tags=["SyncChannel"], summary="SendMessage (SOAP 1.1, WS-Security signed)")
    async def sync_endpoint(request: Request) -> Response:
        return await soap(request, sync_channel.send_message, "/bip-sync-wss/")

    @app.post(
        "/bip-async-wss/",
        tags=["AsyncChannel"],
        summary="sendMessage, getMessageStatus, getMessages, sendDeliveryNotification",
    )
    async def async_endpoint(request: Request) -> Response:
        return await soap(request, async_channel.handle, "/bip-async-wss/")

    @app.get("/journal", tags=["journal"], summary="Journal entries, newest first")
    async def journal(
        message_id: str | None = None,
        service_id: str | None = None,
        sender_id: str | None = None,
        correlation_id: str | None = None,
        trace_id: str | None = None,
        limit: int = Query(100, ge=1, le=10_000),
    ) -> JSONResponse:
        entries = state["ctx"].store.journal.search(
            message_id=message_id,
            service_id=service_id,
            sender_id=sender_id,
            limit=limit,
            correlation_id=correlation_id,
            trace_id=trace_id,
        )
        return JSONResponse([entry_to_json(entry) for entry in entries])

    @app.get("/journal/all", tags=["journal"], summary="Every entry in chain order, with raw bytes (base64)")
    async def journal_all(after_id: int = 0, limit: int = Query(1000, ge=1, le=10_000)) -> JSONResponse:
        entries = []
        for entry in state["ctx"].store.journal.iterate_all(after_id=after_id):
            entries.append(entry_to_json(entry, include_raw=True))
            if len(entries) >= limit:
                break
        return JSONResponse(entries)

    @app.get("/journal/verify", tags=["journal"], summary="Verify the hash chain on the server")
    async def journal_verify() -> JSONResponse:
        return JSONResponse(state["ctx"].store.journal.verify_chain().to_json())

    @app.get("/journal/{entry_id}", tags=["journal"])
    async def journal_entry(entry_id: int) -> JSONResponse:
        entry = state["ctx"].store.journal.get(entry_id)
        if entry is None:
            raise HTTPException(404, f"no journal entry {entry_id}")
        return JSONResponse(entry_to_json(entry, include_raw=True))

    @app.get("/journal/{entry_id}/raw", tags=["journal"], summary="The exact signed bytes of an entry")
    async def journal_raw(entry_id: int) -> Response:
        entry = state["ctx"].store.journal.get(entry_id)
        if entry is None:
            raise HTTPException(404, f"no journal entry {entry_id}")
        return Response(entry.raw, media_type=SOAP_MEDIA_TYPE)

    @app.get("/registry/services", tags=["registry"])
    async def services() -> JSONResponse:
        return JSONResponse(
            [
                {
                    "service_id": service.service_id,
                    "provider": service.provider_id,
                    "channel": service.channel.value,
                    "description_ru": service.description.ru,
                    "description_kk": service.description.kk,
                }
                for service in registry.services.values()
            ]
        )

    @app.get("/registry/systems", tags=["registry"])
    async def systems() -> JSONResponse:
        return JSONResponse(
            [
                {
                    "system_id": s.system_id,
                    "name_ru": s.name.ru,
                    "name_kk": s.name.kk,
                    "bin": s.certificate.bin,
                }
                for s in registry.systems.values()
            ]
        )

    @app.get("/error-codes", tags=["registry"], summary="The documented result codes")
    async def error_codes() -> JSONResponse:
        return JSONResponse(
            [
                {"code": row.code, "category": row.category.value, "en": row.en, "ru": row.ru, "kk": row.kk}
                for row in RESULT_CODES.values()
            ]
        )

    _ = base64  # raw bytes travel base64-encoded in entry_to_json(include_raw=True)
    return app
