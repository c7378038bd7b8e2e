"""`egov run`: the landscape on the documented ports, logs prefixed on the console."""

from __future__ import annotations

import signal
import time

import typer
from egov_kit.settings import CommonSettings
from rich.console import Console
from rich.table import Table

from egov_cli.landscape import Landscape, LandscapeError

console = Console()


def run_command(
    timeout: float = typer.Option(180.0, help="Seconds to wait for every service to become healthy."),
    quiet: bool = typer.Option(False, "--quiet", help="Do not echo service logs (they stay in var/logs)."),
) -> None:
    settings = CommonSettings()
    landscape = Landscape(var_dir=settings.var_dir, amqp_url=settings.amqp_url, echo=not quiet)
    stopping = False

    def _stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    # Explicit handlers: a landscape started in the background inherits an ignored SIGINT.
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        console.print("[bold]Starting the landscape…[/bold]")
        landscape.start(timeout=timeout)
        table = Table(title="e-gov sandbox: every service healthy")
        table.add_column("service")
        table.add_column("URL")
        for spec in landscape.services:
            table.add_row(spec.name, landscape.url(spec.name))
        console.print(table)
        console.print("Try: [cyan]uv run egov shep call GBDFL_UniversalServiceSync --iin 880412390017[/cyan]")
        console.print("Ctrl-C stops everything.")
        while not stopping:
            dead = [name for name, alive in landscape.alive().items() if not alive]
            if dead:
                console.print(f"[red]{', '.join(dead)} exited; see var/logs/. Stopping.[/red]")
                raise typer.Exit(1)
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    except LandscapeError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    finally:
        console.print("Stopping…")
        landscape.stop()
