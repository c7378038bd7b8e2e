"""egov_kit.shep.provider_app: a provider's lifespan (prepare, serve ШЭП, stop) and its handler span."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from egov_kit.errors import KitError
from egov_kit.settings import SystemSettings
from egov_kit.shep import provider_app
from egov_kit.shep.provider import ShepContext, SyncHandler
from egov_kit.shep.provider_app import handler_span, provider_lifespan
from egov_kit.telemetry import setup_telemetry
from egov_kit.web import Readiness
from fastapi import FastAPI
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode


@dataclass
class FakeHost:
    """Stands in for ProviderHost: records what the lifespan asks of it."""

    settings: SystemSettings
    sync_handlers: Mapping[str, SyncHandler] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)
    ready: bool = False

    async def start(self) -> None:
        self.events.append("start")
        self.ready = True

    async def stop(self) -> None:
        self.events.append("stop")
        self.ready = False


@pytest.fixture
def hosts(monkeypatch: pytest.MonkeyPatch) -> list[FakeHost]:
    made: list[FakeHost] = []

    def make(
        settings: SystemSettings, *, sync_handlers: Mapping[str, SyncHandler], async_handlers: object = None
    ) -> FakeHost:
        host = FakeHost(settings, sync_handlers)
        made.append(host)
        return host

    monkeypatch.setattr(provider_app, "ProviderHost", make)
    return made


@pytest.fixture
def settings(tmp_path: Any) -> SystemSettings:
    return SystemSettings(service_name="kit-support", system_id="KITSUP", var_dir=tmp_path)


def handler(_element: Any, _context: ShepContext) -> Any:
    return None


async def test_prepare_runs_in_a_worker_thread_before_the_bus(
    settings: SystemSettings, hosts: list[FakeHost]
) -> None:
    readiness = Readiness("kit-support")
    events: list[str] = []

    def prepare() -> None:
        events.append(
            "prepare in main thread" if threading.current_thread() is threading.main_thread() else "prepare"
        )

    def handlers() -> dict[str, SyncHandler]:
        events.append("handlers")
        return {"KIT_Sync": handler}

    lifespan = provider_lifespan(
        settings,
        readiness,
        handlers,
        serve_shep=True,
        prepare=prepare,
        prepared="data",
        close=lambda: events.append("close"),
    )
    assert await readiness.evaluate() == {"data": False}
    async with lifespan(FastAPI()):
        [host] = hosts
        assert events == ["prepare", "handlers"]
        assert host.events == ["start"]
        assert host.settings is settings and set(host.sync_handlers) == {"KIT_Sync"}
        assert await readiness.evaluate() == {"data": True, "bus": True}
        host.ready = False
        assert (await readiness.evaluate())["bus"] is False
    assert host.events == ["start", "stop"]
    assert events[-1] == "close"


async def test_without_shep_no_host_and_no_bus_check(settings: SystemSettings, hosts: list[FakeHost]) -> None:
    readiness = Readiness("kit-support")
    closed: list[bool] = []
    lifespan = provider_lifespan(
        settings,
        readiness,
        lambda: {"KIT_Sync": handler},
        serve_shep=False,
        close=lambda: closed.append(True),
    )
    async with lifespan(FastAPI()):
        assert hosts == []
        assert await readiness.evaluate() == {}
    assert closed == [True]


async def test_a_failing_prepare_starts_nothing(settings: SystemSettings, hosts: list[FakeHost]) -> None:
    readiness = Readiness("kit-support")

    def prepare() -> None:
        raise RuntimeError("no data")

    lifespan = provider_lifespan(
        settings, readiness, lambda: {}, serve_shep=True, prepare=prepare, prepared="data"
    )
    with pytest.raises(RuntimeError, match="no data"):
        async with lifespan(FastAPI()):
            pass
    assert hosts == []
    assert await readiness.evaluate() == {"data": False}


async def test_the_host_stops_even_when_the_app_fails(
    settings: SystemSettings, hosts: list[FakeHost]
) -> None:
    closed: list[bool] = []
    lifespan = provider_lifespan(
        settings, Readiness("kit-support"), lambda: {}, close=lambda: closed.append(True)
    )
    with pytest.raises(LookupError):
        async with lifespan(FastAPI()):
            raise LookupError("app failed")
    assert hosts[0].events == ["start", "stop"]
    assert closed == [True]


async def test_async_handlers_and_the_hooks_around_the_host(
    settings: SystemSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[tuple[FakeHost, Mapping[str, Any]]] = []

    def make(
        settings: SystemSettings,
        *,
        sync_handlers: Mapping[str, SyncHandler],
        async_handlers: Mapping[str, Any],
    ) -> FakeHost:
        host = FakeHost(settings, sync_handlers)
        made.append((host, async_handlers))
        return host

    monkeypatch.setattr(provider_app, "ProviderHost", make)
    readiness = Readiness("kit-support")
    events: list[str] = []

    async def before_host() -> None:
        events.append("before host")

    def on_started(host: Any) -> None:
        events.append(f"started: {host.events}, bus check {'bus' in readiness.checks}")

    lifespan = provider_lifespan(
        settings,
        readiness,
        dict,
        async_handlers_factory=lambda: {"KIT_Async": handler},
        before_host=before_host,
        on_started=on_started,
    )
    async with lifespan(FastAPI()):
        [(host, async_handlers)] = made
        assert set(async_handlers) == {"KIT_Async"} and host.sync_handlers == {}
        assert events == ["before host", "started: ['start'], bus check False"]
        assert await readiness.evaluate() == {"bus": True}
    assert host.events == ["start", "stop"]


@pytest.fixture
def recording() -> None:
    """A real tracer provider, so spans keep their attributes and status (set up once per process)."""
    setup_telemetry("kit-support")


CONTEXT = ShepContext(message_id="m-1", service_id="KIT_Sync", sender_id="IISGK")


def test_handler_span_names_the_message(recording: None) -> None:
    with handler_span(
        "KIT_Sync: look-up", CONTEXT, system="kit-mock", attributes={"kit.extra": 1}
    ) as finished:
        finished.set_attribute("kit.result", "found")
    assert isinstance(finished, ReadableSpan) and finished.end_time is not None
    assert finished.name == "KIT_Sync: look-up"
    assert dict(finished.attributes or {}) == {
        "egov.system": "kit-mock",
        "egov.service": "KIT_Sync",
        "egov.message_id": "m-1",
        "egov.sender": "IISGK",
        "kit.extra": 1,
        "kit.result": "found",
    }


def test_handler_span_records_a_named_error(recording: None) -> None:
    class Refused(KitError):
        code = "REFUSED"

    with pytest.raises(Refused), handler_span("KIT_Sync: look-up", CONTEXT, system="kit-mock") as finished:
        raise Refused("no")
    assert isinstance(finished, ReadableSpan)
    assert finished.status.status_code == StatusCode.ERROR
    assert (finished.attributes or {})["egov.error.code"] == "REFUSED"
