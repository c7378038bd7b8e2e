"""A provider system as a FastAPI service: its lifespan and the span around each ШЭП answer.

Every provider (ГБД ФЛ, ЕНИС, …) starts the same way: it prepares its data (a population, seeded
documents) in a worker thread, then serves its ШЭП handlers through :class:`ProviderHost`, and
reports both in ``/healthz``::

    readiness = Readiness(settings.service_name)
    app = FastAPI(
        lifespan=provider_lifespan(
            settings, readiness, lambda: build_shep_handlers(uow_factory),
            serve_shep=serve_shep, prepare=seed, prepared="seed data", close=engine.dispose,
        )
    )

A system that also consumes asynchronous services (РПН, the portal) hands in
``async_handlers_factory``; ``before_host`` runs first (enrolling more keys, say) and ``on_started``
wires the started host's ШЭП client and validator into the service layer before ``/healthz`` reports
the bus.

A handler wraps its work in :func:`handler_span`, which names the message it answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from typing import Any

from fastapi import FastAPI
from opentelemetry.trace import Span

from egov_kit.settings import SystemSettings
from egov_kit.shep.host import ProviderHost
from egov_kit.shep.provider import AsyncHandler, ShepContext, SyncHandler
from egov_kit.telemetry import span
from egov_kit.web import Readiness

BUS_CHECK = "bus"

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def provider_lifespan(
    settings: SystemSettings,
    readiness: Readiness,
    handlers_factory: Callable[[], Mapping[str, SyncHandler]],
    *,
    serve_shep: bool = True,
    prepare: Callable[[], object] | None = None,
    prepared: str | None = None,
    close: Callable[[], object] | None = None,
    async_handlers_factory: Callable[[], Mapping[str, AsyncHandler]] | None = None,
    before_host: Callable[[], Awaitable[object]] | None = None,
    on_started: Callable[[ProviderHost], object] | None = None,
) -> Lifespan:
    """The lifespan of a provider service's app.

    On start: ``prepare()`` runs in a worker thread (the readiness check named ``prepared``, added
    now, passes once it finished); then, when ``serve_shep``, ``before_host()`` is awaited, a
    :class:`ProviderHost` serves ``handlers_factory()`` (and ``async_handlers_factory()``) on the
    bus, ``on_started(host)`` runs and readiness gains the ``"bus"`` check. On shutdown the host
    stops, then ``close()`` runs (dispose of the database engine, …).
    """
    done = {"prepared": False}
    if prepared is not None:
        readiness.add(prepared, lambda: done["prepared"])

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if prepare is not None:
            await asyncio.to_thread(prepare)
        done["prepared"] = True
        host: ProviderHost | None = None
        if serve_shep:
            if before_host is not None:
                await before_host()
            host = ProviderHost(
                settings,
                sync_handlers=handlers_factory(),
                async_handlers=async_handlers_factory() if async_handlers_factory is not None else {},
            )
            await host.start()
            if on_started is not None:
                on_started(host)
            started = host
            readiness.add(BUS_CHECK, lambda: started.ready)
        try:
            yield
        finally:
            if host is not None:
                await host.stop()
            if close is not None:
                close()

    return lifespan


@contextmanager
def handler_span(
    title: str, context: ShepContext, *, system: str, attributes: Mapping[str, Any] | None = None
) -> Iterator[Span]:
    """The span of one ШЭП answer: ``title`` with the system, serviceId, messageId and sender."""
    attrs: dict[str, Any] = {
        "egov.system": system,
        "egov.service": context.service_id,
        "egov.message_id": context.message_id,
        "egov.sender": context.sender_id,
    }
    attrs.update(attributes or {})
    with span(title, attributes=attrs) as current:
        yield current
