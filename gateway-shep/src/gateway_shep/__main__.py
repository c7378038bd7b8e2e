"""Run ШЭП: ``python -m gateway_shep`` (port 8100, or PORT)."""

from egov_kit.web import serve

from gateway_shep.entrypoints.app import create_app
from gateway_shep.settings import Settings

settings = Settings()
serve(create_app(settings), settings)
