"""Readers for the files under deploy/ (compose, Dockerfiles, README port table) and for what the
code reads from the environment, shared by the tests of this folder. Pure functions, no Docker."""

from __future__ import annotations

import ast
import fnmatch
import re
import shlex
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
DOCKER = DEPLOY / "docker"
COMPOSE_DIR = DEPLOY / "compose"
COMPOSE_FILES = (COMPOSE_DIR / "compose.yaml", COMPOSE_DIR / "compose.observability.yaml")
TEMPLATE = DOCKER / "Dockerfile.service"

# Variables read by libraries or the interpreter rather than by our settings classes.
LIBRARY_ENV = frozenset(
    {
        "OTEL_SERVICE_NAME",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
        "OTEL_RESOURCE_ATTRIBUTES",
        "OTEL_TRACES_SAMPLER",
        "OTEL_TRACES_SAMPLER_ARG",
        "OTEL_BSP_SCHEDULE_DELAY",
        "PYTHONUNBUFFERED",
        "PYTHONDONTWRITEBYTECODE",
        "TZ",
    }
)


# --- compose ---------------------------------------------------------------------------------


def load_yaml(path: Path) -> Any:
    # PyYAML's safe loader resolves anchors, aliases and `<<` merge keys as compose does.
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def merge_compose(base: Any, override: Any) -> Any:
    """Merge two compose documents the way `docker compose -f a -f b` does, near enough for checks:
    mappings merge key by key, sequences are appended (duplicates dropped), scalars are replaced."""
    if isinstance(base, Mapping) and isinstance(override, Mapping):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = merge_compose(base[key], value) if key in base else value
        return merged
    if isinstance(base, list) and isinstance(override, list):
        return base + [item for item in override if item not in base]
    return override


def merged_compose() -> dict[str, Any]:
    documents = [load_yaml(path) for path in COMPOSE_FILES]
    merged: dict[str, Any] = documents[0]
    for document in documents[1:]:
        merged = merge_compose(merged, document)
    return merged


def environment_of(service: Mapping[str, Any]) -> dict[str, str | None]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # ["NAME=value", "NAME"]
        return {item.partition("=")[0]: item.partition("=")[2] or None for item in env}
    return {str(k): (None if v is None else str(v)) for k, v in env.items()}


@dataclass(frozen=True)
class PublishedPort:
    host_ip: str | None
    host_port: int
    container_port: int
    protocol: str = "tcp"


def published_ports(service: Mapping[str, Any]) -> list[PublishedPort]:
    ports: list[PublishedPort] = []
    for entry in service.get("ports") or []:
        if isinstance(entry, Mapping):  # long syntax
            ports.append(
                PublishedPort(
                    entry.get("host_ip"),
                    int(entry["published"]),
                    int(entry["target"]),
                    entry.get("protocol", "tcp"),
                )
            )
            continue
        text, _, protocol = str(entry).partition("/")
        parts = text.rsplit(":", 2)
        if len(parts) == 3:
            ports.append(PublishedPort(parts[0], int(parts[1]), int(parts[2]), protocol or "tcp"))
        elif len(parts) == 2:
            ports.append(PublishedPort(None, int(parts[0]), int(parts[1]), protocol or "tcp"))
        else:
            raise AssertionError(f"port {entry!r} publishes nothing (container port only)")
    return ports


def our_services(compose: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Services built from this repository (they have `build:`)."""
    return {name: svc for name, svc in compose["services"].items() if "build" in svc}


def dockerfile_of(service: Mapping[str, Any]) -> Path:
    build = service["build"]
    context = (COMPOSE_DIR / build.get("context", ".")).resolve()
    return (context / build.get("dockerfile", "Dockerfile")).resolve()


# --- README port table -----------------------------------------------------------------------


# A row whose "what" cell says this runs with `make run` (or on the host) but is no compose service.
OUTSIDE_COMPOSE_MARK = "not in compose"


def _port_rows(readme: Path) -> dict[str, tuple[set[int], str]]:
    """The `## Ports` table of deploy/README.md: service name (in backticks) → (ports, "what" cell)."""
    lines = readme.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "## Ports")
    table: dict[str, tuple[set[int], str]] = {}
    for line in lines[start + 1 :]:
        if line.startswith("## "):
            break
        if not line.startswith("|"):
            if table:
                break
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        name = re.fullmatch(r"`([a-z0-9-]+)`", cells[0])
        if name is None:
            continue  # header and separator rows
        what = cells[2] if len(cells) > 2 else ""
        table[name.group(1)] = ({int(port) for port in re.findall(r"\d+", cells[1])}, what)
    return table


def documented_ports(readme: Path = DEPLOY / "README.md") -> dict[str, set[int]]:
    """The `## Ports` table of deploy/README.md: service name (in backticks) → ports. Includes the
    rows of processes that are no compose service (see :func:`documented_outside_compose`)."""
    return {name: ports for name, (ports, _what) in _port_rows(readme).items()}


def documented_outside_compose(readme: Path = DEPLOY / "README.md") -> set[str]:
    """Rows of the port table marked "not in compose" (`make run`'s trace-sink, the citizen's signer):
    they have a port but compose publishes nothing for them."""
    return {
        name for name, (_ports, what) in _port_rows(readme).items() if OUTSIDE_COMPOSE_MARK in what.lower()
    }


# --- Dockerfiles -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str
    line: int


def instructions(text: str) -> list[Instruction]:
    """Dockerfile instructions with line continuations joined and comments dropped."""
    result: list[Instruction] = []
    buffer: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not buffer and (not stripped or stripped.startswith("#")):
            continue
        if buffer and stripped.startswith("#"):
            continue
        if not buffer:
            start = number
        if stripped.endswith("\\"):
            buffer.append(stripped[:-1].strip())
            continue
        buffer.append(stripped)
        joined = " ".join(part for part in buffer if part)
        keyword, _, arguments = joined.partition(" ")
        result.append(Instruction(keyword.upper(), arguments.strip(), start))
        buffer = []
    return result


@dataclass
class Dockerfile:
    path: Path
    instructions: list[Instruction]
    arg_defaults: dict[str, str] = field(default_factory=dict)
    stages: set[str] = field(default_factory=set)

    @classmethod
    def read(cls, path: Path) -> Dockerfile:
        parsed = cls(path, instructions(path.read_text(encoding="utf-8")))
        for ins in parsed.instructions:
            if ins.keyword == "ARG" and "=" in ins.arguments:
                name, _, value = ins.arguments.partition("=")
                parsed.arg_defaults.setdefault(name.strip(), value.strip().strip('"'))
            if ins.keyword == "FROM":
                words = ins.arguments.split()
                if len(words) >= 3 and words[-2].upper() == "AS":
                    parsed.stages.add(words[-1])
        return parsed

    def of(self, keyword: str) -> list[Instruction]:
        return [ins for ins in self.instructions if ins.keyword == keyword]

    def expand(self, text: str, values: Mapping[str, str] | None = None) -> str:
        values = {**self.arg_defaults, **(values or {})}

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1) or match.group(2)
            if name not in values:
                raise AssertionError(f"{self.path.name}: ${name} has no value")
            return values[name]

        return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", substitute, text)

    def images(self) -> list[tuple[str, int]]:
        """Every outside image the file pulls: FROM lines and COPY --from=<image>."""
        found: list[tuple[str, int]] = []
        for ins in self.instructions:
            if ins.keyword == "FROM":
                words = [w for w in ins.arguments.split() if not w.startswith("--")]
                image = self.expand(words[0])
                if image not in self.stages and image != "scratch":
                    found.append((image, ins.line))
            if ins.keyword in {"COPY", "ADD"}:
                for flag in copy_flags(ins):
                    if flag.startswith("--from="):
                        source = self.expand(flag.removeprefix("--from="))
                        if source not in self.stages and not source.isdigit():
                            found.append((source, ins.line))
        return found

    def cmd(self) -> list[str]:
        commands = self.of("CMD")
        assert commands, f"{self.path.name} has no CMD"
        text = commands[-1].arguments
        if text.startswith("["):
            return [str(part) for part in yaml.safe_load(text)]
        return shlex.split(text)


def copy_flags(ins: Instruction) -> list[str]:
    return [word for word in shlex.split(ins.arguments) if word.startswith("--")]


def copy_sources(ins: Instruction) -> list[str]:
    """Sources of a COPY from the build context (empty for COPY --from)."""
    if any(flag.startswith("--from=") for flag in copy_flags(ins)):
        return []
    if ins.arguments.lstrip().startswith("["):  # JSON form
        words = [str(w) for w in yaml.safe_load(ins.arguments)]
    else:
        words = [w for w in shlex.split(ins.arguments) if not w.startswith("--")]
    return words[:-1]


def is_pinned(image: str) -> bool:
    """name:tag with a version-like tag (not `latest`), or a digest."""
    if "@sha256:" in image:
        return True
    name, _, tag = image.rpartition(":")
    if not name or "/" in tag:  # no tag at all (the colon belonged to a registry port)
        return False
    return tag.lower() != "latest" and re.match(r"^v?\d+\.\d+", tag) is not None


def service_dockerfiles() -> list[Path]:
    return sorted(DOCKER.glob("*.Dockerfile"))


def dockerignore_patterns(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def dockerignore_excludes(patterns: list[str], path: str) -> bool:
    """Whether a .dockerignore keeps ``path`` (or a folder above it) out of the build context.
    Close to Docker's rules (last matching pattern wins, `!` re-includes, `**` spans folders);
    fnmatch's `*` also spans `/`, so this errs towards reporting an exclusion."""
    parts = Path(path).parts
    candidates = [str(Path(*parts[:n])) for n in range(1, len(parts) + 1)]
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        glob = pattern.lstrip("!").strip("/")
        variants = {glob, glob.removeprefix("**/")}
        if any(fnmatch.fnmatchcase(c, v) for c in candidates for v in variants):
            excluded = not negate
    return excluded


# --- workspace -------------------------------------------------------------------------------


def workspace_members() -> list[str]:
    root = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return list(root["tool"]["uv"]["workspace"]["members"])


def project_of(directory: str) -> dict[str, Any]:
    return tomllib.loads((REPO / directory / "pyproject.toml").read_text(encoding="utf-8"))


def package_of(directory: str) -> str:
    """Import name of a workspace member: hatch's `packages = ["src/<pkg>"]`, else the dist name."""
    project = project_of(directory)
    packages = project.get("tool", {}).get("hatch", {}).get("build", {}).get("targets", {}).get("wheel", {})
    for entry in packages.get("packages", []):
        return str(entry).rstrip("/").split("/")[-1]
    return str(project["project"]["name"]).replace("-", "_")


# --- what the code reads from the environment ------------------------------------------------


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_name(node.value)}.{node.attr}"
    return ""


def _strings(nodes: Iterable[ast.AST]) -> Iterator[str]:
    for node in nodes:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value


def _keyword(call: ast.Call, name: str) -> ast.AST | None:
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def _is_settings_class(node: ast.ClassDef) -> bool:
    return any(_name(base).split(".")[-1].endswith("Settings") for base in node.bases)


def _env_prefix(node: ast.ClassDef) -> str | None:
    """The class's own ``env_prefix`` from ``model_config = SettingsConfigDict(...)`` or a dict."""
    for statement in node.body:
        target: ast.expr
        value: ast.expr | None
        if isinstance(statement, ast.Assign):
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign):
            target, value = statement.target, statement.value
        else:
            continue
        if _name(target) != "model_config":
            continue
        prefix: ast.AST | None = None
        if isinstance(value, ast.Call):
            prefix = _keyword(value, "env_prefix")
        elif isinstance(value, ast.Dict):
            for key, item in zip(value.keys, value.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "env_prefix":
                    prefix = item
        if isinstance(prefix, ast.Constant) and isinstance(prefix.value, str):
            return prefix.value
    return None


def env_names_read(source_roots: Iterable[Path]) -> set[str]:
    """Environment variable names the Python code under ``source_roots`` reads: pydantic-settings
    fields (their ``AliasChoices``/``validation_alias``, or prefix + field name when they have none)
    and ``os.environ[...]`` / ``os.environ.get`` / ``os.getenv`` with a literal name."""
    names: set[str] = set()
    classes: dict[str, tuple[ast.ClassDef, list[str]]] = {}
    for root in source_roots:
        for path in sorted(root.rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call):
                    func = _name(node.func)
                    if func.split(".")[-1] == "AliasChoices":
                        names.update(_strings(node.args))
                    for kw in ("validation_alias", "alias"):
                        alias = _keyword(node, kw)
                        if alias is not None:
                            names.update(_strings([alias]))
                    if func in {
                        "os.getenv",
                        "getenv",
                        "os.environ.get",
                        "environ.get",
                        "os.environ.setdefault",
                    }:
                        names.update(_strings(node.args[:1]))
                if isinstance(node, ast.Subscript) and _name(node.value) in {"os.environ", "environ"}:
                    names.update(_strings([node.slice]))
                if isinstance(node, ast.ClassDef) and _is_settings_class(node):
                    classes[node.name] = (node, [_name(base).split(".")[-1] for base in node.bases])

    def prefix_of(name: str, seen: frozenset[str] = frozenset()) -> str:
        if name not in classes or name in seen:
            return ""
        node, bases = classes[name]
        own = _env_prefix(node)
        if own is not None:
            return own
        return next((p for p in (prefix_of(b, seen | {name}) for b in bases) if p), "")

    for name, (node, _bases) in classes.items():
        prefix = prefix_of(name)
        for statement in node.body:
            if not isinstance(statement, ast.AnnAssign) or not isinstance(statement.target, ast.Name):
                continue
            field_name = statement.target.id
            if field_name == "model_config" or "ClassVar" in ast.unparse(statement.annotation):
                continue
            value = statement.value
            has_alias = isinstance(value, ast.Call) and any(
                _keyword(value, kw) is not None for kw in ("validation_alias", "alias")
            )
            if not has_alias:
                names.add(prefix + field_name)
    return {name.upper() for name in names}
