"""Run egov-portal: ``python -m egov_portal`` (or PORT)."""

from __future__ import annotations

from egov_kit.web import serve

from egov_portal.entrypoints.app import create_app
from egov_portal.settings import Settings


def main() -> None:
    settings = Settings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
