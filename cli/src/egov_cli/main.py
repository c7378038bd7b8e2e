"""`egov`: one command line for people — pki, shep, run, bench."""

from __future__ import annotations

import typer

from egov_cli.bench import bench_command
from egov_cli.pki import pki_app
from egov_cli.replay.command import replay_command
from egov_cli.run import run_command
from egov_cli.shep import shep_app
from egov_cli.signer.command import signer_command

app = typer.Typer(
    name="egov",
    help="Sandbox of Kazakhstan's e-government integration landscape (ШЭП, ГБД ФЛ, ЕНИС, НУЦ РК).",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(pki_app, name="pki", help="Test certification authority (НУЦ РК): issue, revoke, inspect.")
app.add_typer(shep_app, name="shep", help="Call ШЭП services, inspect and verify the gateway journal.")
app.command("run", help="Run the whole landscape on this machine (no Docker); Ctrl-C stops all.")(run_command)
app.command("signer", help="Local signer on NCALayer's port (13579) over test keys.")(signer_command)
app.command("replay", help="Replay the regulations' diagrams against the running landscape.")(replay_command)
app.command("bench", help="Raw aio-pika request/reply vs the same load through the gateway.")(bench_command)

if __name__ == "__main__":
    app()
