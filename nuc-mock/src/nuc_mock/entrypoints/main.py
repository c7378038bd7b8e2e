"""Run nuc-mock with uvicorn on ``settings.host:settings.port`` (8103 by default)."""

from __future__ import annotations

import logging

import uvicorn
from egov_kit.clock import configure_clock

from nuc_mock.entrypoints.app import create_app
from nuc_mock.settings import Settings


def main() -> None:
    settings = Settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    configure_clock(offset_seconds=settings.clock_offset_seconds, speed=settings.clock_speed)
    app = create_app(settings)
    uvicorn.run(app, host=settings.host, port=settings.port)


if __name__ == "__main__":
    main()
