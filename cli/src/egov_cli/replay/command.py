"""`egov replay SCENARIO` / `egov replay --all`: replay diagram paths against the running stack.

For each scenario: carry out its actions as the user would (one trace per scenario), collect the
trace's spans (trace-sink, or Jaeger with ``--source jaeger``) and the gateway journal entries,
compare them with the steps declared in ``services/``, print the step table and write an HTML report
to ``var/replay/``. Exit code 0 when every scenario follows its regulation, 1 when any deviates, 2
when a scenario cannot be read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import typer
from egov_kit.clock import configure_clock
from egov_kit.settings import CommonSettings
from rich.console import Console
from rich.markup import escape

from egov_cli.replay.collect import (
    CollectError,
    JaegerSource,
    JournalSource,
    Observation,
    SpanSource,
    TraceSinkSource,
    collect,
)
from egov_cli.replay.compare import Deviation, Report, compare
from egov_cli.replay.driver import Driver, Endpoints, ReplayTracer
from egov_cli.replay.report import step_table, write_html, write_index
from egov_cli.replay.scenario import (
    Scenario,
    ScenarioError,
    end_steps,
    expectation_for,
    find_scenario,
    load_regulation_for,
    load_scenario,
    problems_against,
    scenario_files,
)

console = Console()


@dataclass
class ReplayResult:
    scenario: Scenario
    report: Report
    notes: list[str] = field(default_factory=list)
    html: Path | None = None


def _regulation(scenario: Scenario, notes: list[str]) -> Any | None:
    try:
        return load_regulation_for(scenario)
    except ImportError:
        notes.append(
            "egov_kit.regulations is not available: titles, systems and norms come from the scenario"
        )
    except (LookupError, ValueError) as exc:
        notes.append(f"regulation {scenario.regulation} could not be loaded: {exc}")
    return None


def replay_scenario(
    scenario: Scenario,
    *,
    driver: Driver,
    spans: SpanSource,
    journal: JournalSource | None,
    settle: float = 1.5,
    diverged_settle: float = 6.0,
    timeout: float | None = None,
) -> ReplayResult:
    """Drive one scenario, collect its trace and compare; never raises for a deviation."""
    notes: list[str] = []
    regulation = _regulation(scenario, notes)
    if regulation is not None:
        problems = problems_against(scenario, regulation)
        if problems:
            raise ScenarioError(f"{scenario.id}: " + "; ".join(problems))
    expectation = expectation_for(scenario, regulation)
    run = driver.run(scenario)
    driver.tracer.provider.force_flush(5000)
    extra: list[Deviation] = []
    wait = timeout or scenario.expect.timeout_seconds
    if run.outcome.error is not None:
        wait = min(wait, 5.0)  # the path was cut short: only what already happened can arrive
    try:
        observation = collect(
            spans,
            journal,
            run.trace_id,
            scenario.expect.step_ids,
            timeout=wait,
            end_steps=end_steps(regulation, scenario.channel) if regulation is not None else (),
            settle=settle,
            diverged_settle=diverged_settle,
        )
    except CollectError as exc:
        observation = Observation(run.trace_id, [], [], False, 0.0, [str(exc)])
        extra.append(Deviation("collection", str(exc)))
    notes.extend(observation.notes)
    report = compare(
        scenario.id,
        run.trace_id,
        expectation,
        observation.spans,
        observation.journal,
        run.outcome,
        start_ns=run.start_ns,
    )
    if extra:
        report = Report(
            report.scenario_id,
            report.trace_id,
            report.expectation,
            report.rows,
            (*extra, *report.deviations),
            report.spans,
            report.journal,
            report.outcome,
            report.start_ns,
        )
    return ReplayResult(scenario, report, notes)


def _span_source(kind: str, endpoints: Endpoints, client: httpx.Client) -> SpanSource:
    if kind == "trace-sink":
        return TraceSinkSource(endpoints.trace_sink, client)
    if kind == "jaeger":
        return JaegerSource(endpoints.jaeger, client)
    raise typer.BadParameter("--source is trace-sink or jaeger")


def _plain(line: str) -> None:
    console.print(line, markup=False, highlight=False)


def _print(result: ReplayResult) -> None:
    report = result.report
    console.print(step_table(report))
    for note in result.notes:
        console.print(f"[dim]note: {escape(note)}[/dim]")
    if report.ok:
        console.print(f"[green]✓ {report.scenario_id} follows {report.expectation.regulation}[/green]")
    else:
        console.print(f"[red]✗ {report.scenario_id}: {len(report.deviations)} deviation(s)[/red]")
        for deviation in report.deviations:
            console.print(f"  [red]{escape(str(deviation))}[/red]")
    if result.html is not None:
        console.print(f"  report: {result.html}")


def replay_command(
    scenario: str | None = typer.Argument(
        None, help="Scenario id (file name in tests/scenarios without .yaml) or a path to a scenario file."
    ),
    all_: bool = typer.Option(False, "--all", help="Replay every scenario file."),
    source: str = typer.Option("trace-sink", "--source", help="Where spans are read: trace-sink or jaeger."),
    scenarios: Path | None = typer.Option(
        None, "--scenarios", help="Scenario folder (default: tests/scenarios, or EGOV_SCENARIOS)."
    ),
    out: Path | None = typer.Option(None, "--out", help="Report folder (default: var/replay)."),
    timeout: float | None = typer.Option(
        None,
        "--timeout",
        help="Seconds to wait for the trace (default: each scenario's expect.timeout_seconds).",
    ),
    settle: float = typer.Option(1.5, "--settle", help="Seconds to wait for late spans after the last step."),
    late: float = typer.Option(
        6.0,
        "--late",
        help="Seconds to wait for late spans when the path ended elsewhere than expected "
        "(more than the exporters' batch delay, OTEL_BSP_SCHEDULE_DELAY, 5 s by default).",
    ),
    html: bool = typer.Option(True, "--html/--no-html", help="Write the HTML report(s)."),
) -> None:
    """Replay scenarios against the running landscape and compare them with the regulations."""
    if all_ == (scenario is not None):
        console.print("[red]give one SCENARIO or --all[/red]")
        raise typer.Exit(2)
    settings = CommonSettings()
    configure_clock(offset_seconds=settings.clock_offset_seconds, speed=settings.clock_speed)
    try:
        paths = scenario_files(scenarios) if all_ else [find_scenario(str(scenario), scenarios)]
        loaded = [load_scenario(path) for path in paths]
    except ScenarioError as exc:
        console.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from exc
    if not loaded:
        console.print("[red]no scenario files found[/red]")
        raise typer.Exit(2)
    endpoints = Endpoints.from_environment()
    directory = out or settings.var_dir / "replay"
    tracer = ReplayTracer.exporting_to(endpoints.otlp_traces_url(source))
    results: list[ReplayResult] = []
    unreadable = False
    try:
        with httpx.Client(timeout=10.0) as client:
            spans = _span_source(source, endpoints, client)
            journal = JournalSource(endpoints.shep, client)
            driver = Driver(endpoints, tracer, log=_plain)
            for item in loaded:
                console.rule(f"[bold]{item.id}[/bold] — {item.title.en}")
                console.print(f"[dim]{item.title.ru} / {item.title.kk}[/dim]")
                try:
                    result = replay_scenario(
                        item,
                        driver=driver,
                        spans=spans,
                        journal=journal,
                        settle=settle,
                        diverged_settle=late,
                        timeout=timeout,
                    )
                except ScenarioError as exc:
                    console.print(f"[red]{escape(str(exc))}[/red]")
                    unreadable = True
                    continue
                if html:
                    result.html = write_html(
                        result.report,
                        directory,
                        titles=item.title.model_dump(),
                        notes=result.notes,
                        clock_offset_ns=int(settings.clock_offset_seconds * 1e9),
                    )
                _print(result)
                results.append(result)
    finally:
        tracer.shutdown()
    if html and all_ and results:
        index = write_index([(r.report, r.html) for r in results if r.html is not None], directory)
        console.print(f"index: {index}")
    failing = [r.report.scenario_id for r in results if not r.report.ok]
    if len(results) > 1:
        console.print(
            f"{len(results)} scenario(s) replayed, {len(failing)} deviating"
            + (f": {', '.join(failing)}" if failing else "")
        )
    if unreadable:
        raise typer.Exit(2)
    if failing:
        raise typer.Exit(1)
