"""Run the SMS gateway mock on ``settings.host:settings.port`` (8107 by default)."""

from __future__ import annotations

from egov_kit.web import serve

from sms_gateway.entrypoints.app import create_app
from sms_gateway.settings import Settings


def main() -> None:
    settings = Settings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
