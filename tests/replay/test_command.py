"""`egov replay`: the command end to end over the fake stack, with a fake span store and journal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer
from egov_cli.replay import command
from egov_cli.replay.compare import JournalRecord, ObservedSpan
from egov_cli.replay.driver import Driver, ReplayTracer
from egov_cli.replay.scenario import load_scenario
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from typer.testing import CliRunner

from tests.replay.fake_stack import NUC, PHC, PORTAL, FakeStack

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(command.replay_command)
    return app


class StepsOf:
    """A span store that has exactly the scenario's expected steps (minus ``drop``) for any trace."""

    name = "fake"

    def __init__(self, steps_by_system: list[tuple[str, str]], drop: set[str] | None = None) -> None:
        self.steps = [(s, system) for s, system in steps_by_system if s not in (drop or set())]

    def trace(self, trace_id: str) -> list[ObservedSpan]:
        start = 1_700_000_000_000_000_000
        return [
            ObservedSpan(
                trace_id,
                f"{i + 1:016x}",
                "",
                system,
                f"{step}: title",
                start + i * 1_000_000,
                start + i * 1_000_000 + 500_000,
                attributes={"egov.step.id": step, "egov.system": system, "egov.service": "H1"},
            )
            for i, (step, system) in enumerate(self.steps)
        ]


class JournalOf:
    """A gateway journal holding exactly the entries the scenario expects, for any trace."""

    scenario = ""

    def __init__(self, *_: Any, **__: Any) -> None:
        pass

    def entries(self, trace_id: str, message_ids: Any = ()) -> list[JournalRecord]:
        scenario = load_scenario(SCENARIOS / f"{self.scenario}.yaml")
        return [
            JournalRecord(
                id=i + 1,
                message_id=f"m-{i + 1}",
                correlation_id=None,
                service_id=item.service,
                sender_id=item.sender,
                recipient_id=item.recipient,
                direction=item.direction or "inbound",
                channel="async" if item.type else "sync",
                message_type=item.type,
                status="accepted",
                error_code=None,
                trace_id=trace_id,
                created_at="2023-11-14T22:13:20+00:00",
            )
            for i, item in enumerate(scenario.expect.journal)
        ]


@pytest.fixture
def wired(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    stack = FakeStack()
    state: dict[str, Any] = {"drop": set(), "stack": stack}

    def driver(endpoints: Any, tracer: Any, **kwargs: Any) -> Driver:
        return Driver(endpoints, tracer, transport=stack.transport(), **kwargs)

    def span_source(kind: str, endpoints: Any, client: Any) -> StepsOf:
        scenario = load_scenario(SCENARIOS / f"{state['scenario']}.yaml")
        regulation = command.load_regulation_for(scenario)
        systems = [(s, regulation.step(scenario.channel, s).system) for s in scenario.expect.step_ids]
        return StepsOf(systems, state["drop"])

    monkeypatch.setattr(command, "Driver", driver)
    monkeypatch.setattr(command, "_span_source", span_source)
    monkeypatch.setattr(command, "JournalSource", JournalOf)
    exporter = InMemorySpanExporter()
    monkeypatch.setattr(
        command.ReplayTracer,
        "exporting_to",
        staticmethod(lambda url, processor=None: _tracer(exporter)),
    )
    monkeypatch.setenv("PORTAL_URL", PORTAL)
    monkeypatch.setenv("PHC_URL", PHC)
    monkeypatch.setenv("NUC_URL", NUC)
    state["out"] = tmp_path / "replay"
    return state


def _tracer(exporter: InMemorySpanExporter) -> ReplayTracer:
    from opentelemetry.sdk.trace import TracerProvider

    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return ReplayTracer(provider)


def test_a_scenario_that_follows_its_regulation_exits_0(wired: dict[str, Any]) -> None:
    wired["scenario"] = JournalOf.scenario = "h1_portal_success"
    result = CliRunner().invoke(
        _app(),
        ["h1_portal_success", "--out", str(wired["out"]), "--settle", "0", "--late", "0"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "follows H1" in result.output
    assert "process 8" in result.output
    (html,) = wired["out"].glob("h1_portal_success-*.html")
    assert "<svg" in html.read_text(encoding="utf-8")


def test_a_missing_step_exits_1_and_names_it(wired: dict[str, Any]) -> None:
    wired["scenario"] = JournalOf.scenario = "h1_portal_success"
    wired["drop"] = {"condition 3"}
    result = CliRunner().invoke(
        _app(),
        ["h1_portal_success", "--out", str(wired["out"]), "--settle", "0", "--late", "0", "--timeout", "0.2"],
        catch_exceptions=False,
    )
    assert result.exit_code == 1, result.output
    assert "missing_step" in result.output and "condition 3" in result.output


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(_app(), []).exit_code == 2
    assert runner.invoke(_app(), ["h1_portal_success", "--all"]).exit_code == 2
    result = runner.invoke(_app(), ["no_such_scenario"])
    assert result.exit_code == 2 and "no scenario" in result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    assert runner.invoke(_app(), ["--all", "--scenarios", str(empty)]).exit_code == 2
