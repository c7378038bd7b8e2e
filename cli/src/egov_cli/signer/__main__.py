"""``python -m egov_cli.signer``: ``egov signer`` as the landscape supervisor starts a process.

The supervisor hands every process its port in ``PORT``; ``SIGNER_PORT`` (or ``--port``) wins.
"""

from __future__ import annotations

import os

import typer

from egov_cli.signer.command import signer_command


def main() -> None:
    if not os.environ.get("SIGNER_PORT") and os.environ.get("PORT"):
        os.environ["SIGNER_PORT"] = os.environ["PORT"]
    typer.run(signer_command)


if __name__ == "__main__":
    main()
