"""Run phc-registry: ``python -m phc_registry`` (or PORT)."""

from __future__ import annotations

from egov_kit.web import serve

from phc_registry.entrypoints.app import create_app
from phc_registry.settings import Settings


def main() -> None:
    settings = Settings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
