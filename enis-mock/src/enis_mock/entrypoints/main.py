"""Run enis-mock: ``python -m enis_mock`` (or PORT)."""

from __future__ import annotations

from egov_kit.web import serve

from enis_mock.entrypoints.app import create_app
from enis_mock.settings import Settings


def main() -> None:
    settings = Settings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
