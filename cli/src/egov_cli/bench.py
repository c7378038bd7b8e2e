"""`egov bench` (filled in below)."""

from __future__ import annotations


def bench_command() -> None:
    raise SystemExit("not yet")
