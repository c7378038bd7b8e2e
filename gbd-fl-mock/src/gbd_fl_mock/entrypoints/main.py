"""Run gbd-fl-mock: ``python -m gbd_fl_mock`` (or PORT)."""

from __future__ import annotations

from egov_kit.web import serve

from gbd_fl_mock.entrypoints.app import create_app
from gbd_fl_mock.settings import Settings


def main() -> None:
    settings = Settings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
