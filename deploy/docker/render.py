"""Render deploy/docker/<service>.Dockerfile from the shared template Dockerfile.service.

Each per-service Dockerfile is the template with the three build arguments given defaults and with
EXPOSE and CMD written out literally (Docker expands no variables in CMD), so that
``docker build -f deploy/docker/<service>.Dockerfile .`` needs no --build-arg and the file says what
it runs. The per-service files are generated: edit the template, then re-render them all.

    python deploy/docker/render.py SERVICE_DIR SERVICE_PACKAGE SERVICE_PORT   # add or update one
    python deploy/docker/render.py --all      # re-render every existing <service>.Dockerfile
    python deploy/docker/render.py --check    # exit 1 when one differs from the template

``--all`` and ``--check`` read each file's own arguments back from its ``ARG …=`` lines.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "Dockerfile.service"
ARG_NAMES = ("SERVICE_DIR", "SERVICE_PACKAGE", "SERVICE_PORT")
TEMPLATE_CMD = 'CMD ["sh", "-c", "exec python -m \\"$SERVICE_PACKAGE\\""]'
TEMPLATE_EXPOSE = "EXPOSE ${SERVICE_PORT}"


@dataclass(frozen=True)
class Service:
    directory: str  # workspace folder and uv project name, e.g. gateway-shep
    package: str  # import name run with `python -m`, e.g. gateway_shep
    port: int

    @property
    def path(self) -> Path:
        return HERE / f"{self.directory}.Dockerfile"


def render(template: str, service: Service) -> str:
    lines = template.splitlines()
    first_arg = next(i for i, line in enumerate(lines) if line.startswith("ARG "))
    header = [
        f"# {service.directory}: image of `python -m {service.package}` listening on {service.port}.",
        "#",
        "# GENERATED from deploy/docker/Dockerfile.service by deploy/docker/render.py: edit the template",
        "# and run `python deploy/docker/render.py --all`, never this file. Build context: the",
        "# repository root, e.g.",
        f"#   docker build -f deploy/docker/{service.directory}.Dockerfile -t egov/{service.directory} .",
    ]
    values = {
        "SERVICE_DIR": service.directory,
        "SERVICE_PACKAGE": service.package,
        "SERVICE_PORT": service.port,
    }
    out: list[str] = []
    seen_from = False
    replaced = {"cmd": 0, "expose": 0}
    for line in lines[first_arg:]:
        if line.startswith("FROM "):
            seen_from = True
        name = line.removeprefix("ARG ").strip()
        if not seen_from and line.startswith("ARG ") and name in values:
            line = f"ARG {name}={values[name]}"
        elif line == TEMPLATE_EXPOSE:
            line = f"EXPOSE {service.port}"
            replaced["expose"] += 1
        elif line == TEMPLATE_CMD:
            line = f'CMD ["python", "-m", "{service.package}"]'
            replaced["cmd"] += 1
        out.append(line)
    if replaced != {"cmd": 1, "expose": 1}:
        raise SystemExit(f"template {TEMPLATE} lost its EXPOSE or CMD line: {replaced}")
    return "\n".join(header + out) + "\n"


def read_service(path: Path) -> Service:
    text = path.read_text()
    found = dict(re.findall(r"^ARG (SERVICE_[A-Z]+)=(\S+)$", text, flags=re.MULTILINE))
    missing = [name for name in ARG_NAMES if name not in found]
    if missing:
        raise SystemExit(f"{path}: no default for {', '.join(missing)}")
    return Service(found["SERVICE_DIR"], found["SERVICE_PACKAGE"], int(found["SERVICE_PORT"]))


def rendered_files() -> list[Path]:
    return sorted(HERE.glob("*.Dockerfile"))


def main(argv: list[str]) -> int:
    template = TEMPLATE.read_text()
    if argv == ["--check"]:
        stale = [p for p in rendered_files() if p.read_text() != render(template, read_service(p))]
        for path in stale:
            print(f"{path.relative_to(HERE.parents[1])} differs from the template: run render.py --all")
        return 1 if stale else 0
    if argv == ["--all"]:
        services = [read_service(p) for p in rendered_files()]
    elif len(argv) == 3 and argv[2].isdigit():
        services = [Service(argv[0], argv[1], int(argv[2]))]
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for service in services:
        service.path.write_text(render(template, service))
        print(f"wrote {service.path.relative_to(HERE.parents[1])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
