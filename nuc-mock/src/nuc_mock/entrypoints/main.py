"""Run nuc-mock on ``settings.host:settings.port`` (8103 by default)."""

from __future__ import annotations

from egov_kit.web import serve

from nuc_mock.entrypoints.app import create_app
from nuc_mock.settings import Settings


def main() -> None:
    settings = Settings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
