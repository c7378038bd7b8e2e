"""`egov replay --all` against the real landscape: every scenario must follow its regulation.

Runs once the portal and phc-registry exist as services of the landscape. The session's landscape
exports spans to the tests' OTLP receiver (tests/conftest.py); the replay reads them through the
same JSON API trace-sink serves (tests/replay/receiver_api.py), so nothing else changes.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from egov_cli.landscape import SERVICES, Landscape
from egov_cli.replay.command import replay_command
from typer.testing import CliRunner

from tests.replay.receiver_api import ReceiverTraceApi
from tests.support.otlp import OtlpReceiver


def _runnable(package: str, service: str) -> bool:
    try:
        found = importlib.util.find_spec(f"{package}.__main__") is not None
    except ModuleNotFoundError:
        found = False
    return found and any(spec.name == service for spec in SERVICES)


READY = _runnable("egov_portal", "egov-portal") and _runnable("phc_registry", "phc-registry")

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not READY, reason="egov-portal and phc-registry are not services of the landscape yet"
    ),
]


@pytest.fixture(scope="module")
def trace_api(otlp_receiver: OtlpReceiver) -> Iterator[ReceiverTraceApi]:
    api = ReceiverTraceApi(otlp_receiver).start()
    yield api
    api.stop()


def test_every_scenario_follows_its_regulation(
    landscape: Landscape,
    otlp_receiver: OtlpReceiver,
    trace_api: ReceiverTraceApi,
    tmp_path: Path,
) -> None:
    app = typer.Typer()
    app.command()(replay_command)
    env = {
        "PORTAL_URL": landscape.url("egov-portal"),
        "PHC_URL": landscape.url("phc-registry"),
        "NUC_URL": landscape.url("nuc-mock"),
        "SHEP_URL": landscape.url("gateway-shep"),
        "SMS_GATEWAY_URL": landscape.url("sms-gateway"),  # the phone's outbox (H3 one-time passwords)
        "TRACE_SINK_URL": trace_api.url,
        "REPLAY_OTLP_ENDPOINT": otlp_receiver.endpoint,
        "EGOV_VAR_DIR": str(landscape.var_dir),
    }
    result = CliRunner().invoke(
        app,
        ["--all", "--out", str(tmp_path), "--settle", "1", "--late", "2"],
        env=env,
        catch_exceptions=False,
    )
    print(result.output)  # shown with -s, or on failure
    assert result.exit_code == 0, result.output
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "0 deviating" in index
