"""Run trace-sink on ``settings.host:settings.port`` (4318 by default, OTLP/HTTP's port)."""

from __future__ import annotations

from egov_kit.web import serve

from trace_sink.entrypoints.app import create_app
from trace_sink.settings import Settings


def main() -> None:
    settings = Settings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
