"""Shared fixtures: the real landscape (processes, broker, databases) for integration tests.

The landscape runs on the documented ports shifted by TEST_PORT_OFFSET, with its own state folder
(var/test-landscape-<offset>, wiped at start) and its own broker virtual host, so it never disturbs a
landscape started with `make run`. Services export spans over OTLP to an in-test receiver.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from egov_cli.landscape import SERVICES, Landscape
from egov_kit.clock import get_clock
from egov_kit.telemetry import add_span_processor
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.support.otlp import OtlpReceiver

REPO = Path(__file__).resolve().parents[1]
TEST_PORT_OFFSET = int(os.environ.get("TEST_PORT_OFFSET", "10000"))


def _test_amqp_url() -> str:
    # A broker given through AMQP_URL is used as is; our private node has the egov-test vhost.
    return (
        os.environ.get("TEST_AMQP_URL")
        or os.environ.get("AMQP_URL")
        or "amqp://guest:guest@127.0.0.1:5672/egov-test"
    )


@pytest.fixture(scope="session")
def amqp_url() -> str:
    return _test_amqp_url()


@pytest.fixture(scope="session")
def span_exporter() -> InMemorySpanExporter:
    """The spans this test process finishes (one processor for the whole session)."""
    exporter = InMemorySpanExporter()
    add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


@pytest.fixture
def spans(span_exporter: InMemorySpanExporter) -> Iterator[InMemorySpanExporter]:
    """The spans finished during one test."""
    span_exporter.clear()
    yield span_exporter
    span_exporter.clear()


@pytest.fixture
def shift_clock() -> Iterator[Callable[[timedelta], None]]:
    """``shift_clock(d)`` moves the kit's clock by ``d`` (``get_clock().shift``); restored afterwards."""
    shifted: list[timedelta] = []

    def shift(delta: timedelta) -> None:
        get_clock().shift(delta)
        shifted.append(delta)

    yield shift
    get_clock().shift(-sum(shifted, timedelta(0)))


@pytest.fixture(scope="session")
def otlp_receiver() -> Iterator[OtlpReceiver]:
    receiver = OtlpReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="session")
def landscape(amqp_url: str, otlp_receiver: OtlpReceiver) -> Iterator[Landscape]:
    var_dir = REPO / "var" / f"test-landscape-{TEST_PORT_OFFSET}"
    shutil.rmtree(var_dir, ignore_errors=True)
    only = {name for name in os.environ.get("TEST_LANDSCAPE_ONLY", "").split(",") if name}
    running = Landscape(
        services=tuple(spec for spec in SERVICES if not only or spec.name in only),
        var_dir=var_dir,
        amqp_url=amqp_url,
        port_offset=TEST_PORT_OFFSET,
        extra_env={
            "OTEL_EXPORTER_OTLP_ENDPOINT": otlp_receiver.endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": "100",
        },
    )
    try:
        running.start(timeout=180)
        yield running
    finally:
        running.stop()
