"""Run enis-mock: ``python -m enis_mock`` (port 8102, or PORT)."""

from __future__ import annotations

import logging

import uvicorn
from egov_kit.clock import configure_clock
from egov_kit.telemetry import setup_telemetry

from enis_mock.entrypoints.app import create_app
from enis_mock.settings import Settings


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings()
    configure_clock(offset_seconds=settings.clock_offset_seconds, speed=settings.clock_speed)
    setup_telemetry(settings.service_name, otlp_endpoint=settings.otlp_endpoint)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")


if __name__ == "__main__":
    main()
