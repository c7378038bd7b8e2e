"""``python -m egov_kit.regulations check [DIR]`` validates every regulation file and prints a summary;
``python -m egov_kit.regulations steps H1 [--channel portal] [--lang ru]`` prints a step table."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import cast

from egov_kit.errors import KitError
from egov_kit.regulations.loader import check, load_regulation
from egov_kit.regulations.models import Lang


def _check(directory: Path | None) -> int:
    report = check(directory)
    for regulation_id, regulation in sorted(report.regulations.items()):
        channels = ", ".join(f"{key} ({len(ch.steps)} steps)" for key, ch in regulation.channels.items())
        print(
            f"ok   {regulation_id} {regulation.code or '-'} [{report.files[regulation_id].name}]: {channels}"
        )
    for problem in report.problems:
        print(f"FAIL {problem}")
    total = len(report.regulations)
    print(f"{total} regulation{'s' if total != 1 else ''} valid, {len(report.problems)} problem(s)")
    return 0 if report.ok else 1


def _steps(regulation_id: str, channel: str | None, lang: Lang, directory: Path | None) -> int:
    regulation = load_regulation(regulation_id, directory)
    names = [channel] if channel else list(regulation.channels)
    for name in names:
        ch = regulation.channel(name)
        print(f"{regulation.id} / {name}: {ch.title.get(lang)}")
        for step in ch.steps:
            branches = "; ".join(f"{b.step} if {b.when.get(lang)}" for b in step.next)
            norm = step.norm_text(lang) or "-"
            print(
                f"  {step.id:<12} {step.system:<13} {step.message or '-':<28} {norm:<18}"
                f" {step.outcome or ''}{' -> ' + branches if branches else ''}"
            )
            print(f"  {'':<12} {step.title(lang)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m egov_kit.regulations")
    sub = parser.add_subparsers(dest="command", required=True)
    check_parser = sub.add_parser("check", help="validate every file in services/")
    check_parser.add_argument("directory", nargs="?", type=Path, default=None)
    steps_parser = sub.add_parser("steps", help="print the steps of a regulation")
    steps_parser.add_argument("regulation")
    steps_parser.add_argument("--channel", default=None)
    steps_parser.add_argument("--lang", choices=["ru", "kk", "en"], default="en")
    steps_parser.add_argument("--dir", type=Path, default=None, dest="directory")
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return _check(args.directory)
        return _steps(args.regulation, args.channel, cast(Lang, args.lang), args.directory)
    except KitError as exc:
        print(str(exc), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
