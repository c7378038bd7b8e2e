"""Loading ``services/*.yaml``: strict validation, cross-checks, a cache.

The folder is ``$EGOV_SERVICES_DIR`` when set, else ``services/`` at the checkout root (the folder
holding ``kit/pyproject.toml``, found by walking up from this module). Every ``*.yaml`` / ``*.yml``
file there holds one regulation; files whose name starts with ``_`` or ``.`` are ignored.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from egov_kit import strict_yaml
from egov_kit.regulations.errors import RegulationInvalid, RegulationNotFound
from egov_kit.regulations.models import Regulation

SERVICES_DIR_ENV = "EGOV_SERVICES_DIR"


def services_dir() -> Path:
    """The folder the regulations are read from."""
    override = os.environ.get(SERVICES_DIR_ENV)
    if override:
        return Path(override).expanduser().resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "kit" / "pyproject.toml").is_file():
            return parent / "services"
    raise RegulationNotFound(
        f"cannot find the checkout root (a folder holding kit/pyproject.toml) above {here};"
        f" set {SERVICES_DIR_ENV}"
    )


def _loc(loc: tuple[int | str, ...], data: Any) -> str:
    """ "channels.portal.steps[3] (process 3).norm.unit" from a pydantic location and the raw data."""
    text = ""
    node = data
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("id"), str) and "kind" in node:
                text += f" ({node['id']})"
        else:
            text += f".{part}" if text else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return text or "(file)"


@dataclass
class CheckReport:
    """What ``check`` found: the valid regulations and every problem, file by file."""

    regulations: dict[str, Regulation] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _read(path: Path) -> tuple[Regulation | None, list[str]]:
    name = str(path)
    try:
        data = strict_yaml.load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return None, [f"{name}: cannot read: {exc}".replace("\n", " ")]
    if not isinstance(data, dict):
        return None, [f"{name}: (file): expected a mapping at the top, got {type(data).__name__}"]
    try:
        regulation = Regulation.model_validate(data)
    except ValidationError as exc:
        return None, [f"{name}: {_loc(e['loc'], data)}: {e['msg']}" for e in exc.errors()]
    return regulation, [f"{name}: {problem}" for problem in regulation.problems()]


def load_file(path: Path) -> Regulation:
    """Validate one file; raises :class:`RegulationInvalid` naming the file and the fields."""
    regulation, problems = _read(path)
    if problems or regulation is None:
        raise RegulationInvalid(problems)
    return regulation


def regulation_files(directory: Path | None = None) -> list[Path]:
    folder = directory if directory is not None else services_dir()
    if not folder.is_dir():
        raise RegulationNotFound(f"the regulations folder {folder} does not exist")
    return sorted(
        p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and not p.name.startswith(("_", "."))
    )


def check(directory: Path | None = None) -> CheckReport:
    """Validate every file without raising: the report lists every problem found."""
    report = CheckReport()
    for path in regulation_files(directory):
        regulation, problems = _read(path)
        report.problems += problems
        if regulation is None or problems:
            continue
        if regulation.id in report.regulations:
            other = report.files[regulation.id]
            report.problems.append(f"{path}: id: {regulation.id!r} is already defined in {other}")
            continue
        report.regulations[regulation.id] = regulation
        report.files[regulation.id] = path
    return report


_cache: dict[Path, dict[str, Regulation]] = {}
_lock = threading.Lock()


def load_all(directory: Path | None = None) -> dict[str, Regulation]:
    """Every regulation by id, validated; cached per folder. Raises :class:`RegulationInvalid`."""
    folder = (directory if directory is not None else services_dir()).resolve()
    with _lock:
        cached = _cache.get(folder)
        if cached is None:
            report = check(folder)
            if not report.ok:
                raise RegulationInvalid(report.problems)
            cached = _cache[folder] = report.regulations
    return dict(cached)


def load_regulation(regulation_id: str, directory: Path | None = None) -> Regulation:
    """One regulation by id ("H1"); raises :class:`RegulationNotFound` when there is none."""
    regulations = load_all(directory)
    try:
        return regulations[regulation_id]
    except KeyError:
        known = ", ".join(sorted(regulations)) or "none"
        raise RegulationNotFound(f"no regulation {regulation_id!r} (known: {known})") from None


def clear_cache() -> None:
    """Forget loaded regulations (after editing the files in a running process, in tests)."""
    with _lock:
        _cache.clear()
