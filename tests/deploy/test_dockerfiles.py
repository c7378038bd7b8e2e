"""deploy/docker: the shared template, the per-service Dockerfiles rendered from it, and the probe."""

from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType

import pytest

from tests.deploy.deployfiles import (
    DOCKER,
    REPO,
    TEMPLATE,
    Dockerfile,
    copy_sources,
    dockerignore_excludes,
    dockerignore_patterns,
    documented_ports,
    is_pinned,
    package_of,
    project_of,
    service_dockerfiles,
    workspace_members,
)

SERVICE_FILES = service_dockerfiles()
ALL_FILES = [TEMPLATE, *SERVICE_FILES]
HEALTHCHECK = DOCKER / "healthcheck.py"


def _render_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("egov_deploy_render", DOCKER / "render.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building the class
    spec.loader.exec_module(module)
    return module


def _arg_sets(path: Path) -> list[dict[str, str]]:
    """Values to expand the file's variables with: its own defaults, or each service's for the template."""
    dockerfile = Dockerfile.read(path)
    if path != TEMPLATE:
        return [dockerfile.arg_defaults]
    return [Dockerfile.read(p).arg_defaults for p in SERVICE_FILES]


def test_there_is_a_dockerfile_per_service() -> None:
    names = {p.name.removesuffix(".Dockerfile") for p in SERVICE_FILES}
    assert {"nuc-mock", "gateway-shep", "gbd-fl-mock", "enis-mock"} <= names
    for name in names:
        assert name in workspace_members(), f"{name}.Dockerfile names no workspace member"
    # Every runnable workspace member (a `python -m <package>` service) has its image; the CLI and
    # the kit are libraries/tools, not services.
    runnable = {
        member
        for member in workspace_members()
        if member not in {"kit", "cli"}
        and (REPO / member / "src" / package_of(member) / "__main__.py").is_file()
    }
    assert runnable <= names, f"no deploy/docker/<service>.Dockerfile for {sorted(runnable - names)}"


@pytest.mark.parametrize("path", SERVICE_FILES, ids=lambda p: p.name)
def test_service_dockerfile_is_rendered_from_the_template(path: Path) -> None:
    render = _render_module()
    expected = render.render(TEMPLATE.read_text(), render.read_service(path))
    assert path.read_text() == expected, (
        f"{path.name} differs from Dockerfile.service: run `python deploy/docker/render.py --all`"
    )


def test_render_check_passes() -> None:
    result = subprocess.run(
        [sys.executable, str(DOCKER / "render.py"), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", SERVICE_FILES, ids=lambda p: p.name)
def test_service_dockerfile_names_its_package_and_port(path: Path) -> None:
    dockerfile = Dockerfile.read(path)
    name = path.name.removesuffix(".Dockerfile")
    package = package_of(name)
    assert dockerfile.arg_defaults["SERVICE_DIR"] == name
    assert dockerfile.arg_defaults["SERVICE_PACKAGE"] == package
    assert dockerfile.cmd() == ["python", "-m", package]
    assert (REPO / name / "src" / package).is_dir(), f"{name}/src/{package} does not exist"
    documented = documented_ports().get(name)
    assert documented == {int(dockerfile.arg_defaults["SERVICE_PORT"])}, (name, documented)
    assert [ins.arguments for ins in dockerfile.of("EXPOSE")] == [dockerfile.arg_defaults["SERVICE_PORT"]]


# --- (e) COPY sources ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_every_copy_source_exists(path: Path) -> None:
    dockerfile = Dockerfile.read(path)
    copies = dockerfile.of("COPY") + dockerfile.of("ADD")
    assert copies
    for values in _arg_sets(path):
        for ins in copies:
            for source in copy_sources(ins):
                resolved = dockerfile.expand(source, values)
                assert not resolved.startswith(("/", "..")), (
                    f"{path.name}:{ins.line}: {source} leaves the context"
                )
                matches = (
                    list(REPO.glob(resolved)) if any(c in resolved for c in "*?[") else [REPO / resolved]
                )
                assert matches and all(m.exists() for m in matches), (
                    f"{path.name}:{ins.line}: COPY source {resolved!r} does not exist in the repository"
                )


def test_template_copies_every_workspace_members_manifest() -> None:
    # uv discovers the whole workspace, so `uv sync --frozen` needs every member's pyproject.toml.
    dockerfile = Dockerfile.read(TEMPLATE)
    copied = {s for ins in dockerfile.of("COPY") for s in copy_sources(ins)}
    missing = [m for m in workspace_members() if f"{m}/pyproject.toml" not in copied]
    assert not missing, f"Dockerfile.service does not COPY {missing}: add the lines and re-render"
    assert {"pyproject.toml", "uv.lock"} <= copied


def test_images_hold_the_checkout_folders_the_kit_reads() -> None:
    # egov_kit finds contracts/ (XSDs) and services/ (regulations, egov_kit.regulations) at the
    # checkout root, the folder holding kit/pyproject.toml: the images keep that layout under /app.
    dockerfile = Dockerfile.read(TEMPLATE)
    copies = {tuple(copy_sources(ins)): ins.arguments.split()[-1] for ins in dockerfile.of("COPY")}
    for folder in ("contracts", "services", "kit/src", "kit/pyproject.toml"):
        assert copies.get((folder,)) == folder, f"Dockerfile.service does not COPY {folder} to /app/{folder}"
    # egov-kit's package data (ncalayer.js, served at /static/ by the portal and phc-registry) is
    # under kit/src, so the kit/src copy brings it.
    assert (REPO / "kit" / "src" / "egov_kit" / "static" / "ncalayer.js").is_file()
    assert sorted((REPO / "services").glob("*.yaml")), "services/ holds no regulation"


def _imported_top_level(root: Path) -> set[str]:
    found: set[str] = set()
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("name", [p.name.removesuffix(".Dockerfile") for p in SERVICE_FILES])
def test_image_holds_every_member_the_service_needs(name: str) -> None:
    # The image copies kit/src and <service>/src only, and `uv sync --package <service>` installs
    # the service's own dependencies: any other workspace member it needs would be missing.
    members = {package_of(member): member for member in workspace_members()}
    own = {package_of(name), "egov_kit"}
    imported = (_imported_top_level(REPO / name / "src") | _imported_top_level(REPO / "kit" / "src")) & set(
        members
    )
    assert imported <= own, f"{name} imports {sorted(imported - own)}, which its image does not hold"
    dependencies = {
        re.split(r"[\s<>=!~;\[]", dep, maxsplit=1)[0].lower()
        for dep in project_of(name)["project"].get("dependencies", [])
    }
    workspace_dependencies = dependencies & {project_of(m)["project"]["name"] for m in workspace_members()}
    assert workspace_dependencies <= {"egov-kit"}, (
        f"{name} depends on {sorted(workspace_dependencies - {'egov-kit'})}: Dockerfile.service copies "
        "kit/src and the service's own src only"
    )


# What the repository root's .dockerignore should hold (the build context is the whole checkout).
PROPOSED_DOCKERIGNORE = """\
.git
.venv
**/.venv
var
**/__pycache__
**/*.pyc
.mypy_cache
.ruff_cache
.pytest_cache
**/*.egg-info
dist
build
.ci
bench
tests
deploy/compose
"""


def _copied_paths() -> Iterator[tuple[str, str]]:
    for path in ALL_FILES:
        dockerfile = Dockerfile.read(path)
        for values in _arg_sets(path):
            for ins in dockerfile.of("COPY"):
                for source in copy_sources(ins):
                    yield path.name, dockerfile.expand(source, values)


@pytest.mark.parametrize("source", ["proposed", ".dockerignore"])
def test_dockerignore_keeps_the_copy_sources(source: str) -> None:
    if source == "proposed":
        text = PROPOSED_DOCKERIGNORE
    elif (REPO / ".dockerignore").exists():
        text = (REPO / ".dockerignore").read_text()
    else:
        pytest.skip("no .dockerignore at the repository root")
    patterns = dockerignore_patterns(text)
    for dockerfile, copied in _copied_paths():
        assert not dockerignore_excludes(patterns, copied), (
            f"{source} excludes {copied}, which {dockerfile} copies"
        )
    for heavy in (".git", ".venv", "var", "kit/src/egov_kit/__pycache__"):
        if source == "proposed":
            assert dockerignore_excludes(patterns, heavy), heavy


# --- (f) pinned images ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_every_base_image_is_pinned(path: Path) -> None:
    dockerfile = Dockerfile.read(path)
    images = dockerfile.images()
    assert images
    for image, line in images:
        assert is_pinned(image), f"{path.name}:{line}: image {image!r} is not pinned to a version tag"


def test_uv_image_matches_the_makefile_version() -> None:
    makefile = REPO / "Makefile"
    if not makefile.exists():
        pytest.skip("no Makefile")
    lines = [line for line in makefile.read_text().splitlines() if line.startswith("UV_VERSION")]
    if not lines:
        pytest.skip("the Makefile pins no uv version")
    version = lines[0].split("=", 1)[1].strip()
    images = [image for image, _ in Dockerfile.read(TEMPLATE).images() if "astral-sh/uv" in image]
    assert images == [f"ghcr.io/astral-sh/uv:{version}"], (images, version)


def test_uv_sync_is_frozen_without_dev_and_per_package() -> None:
    runs = [ins.arguments for ins in Dockerfile.read(TEMPLATE).of("RUN") if "uv sync" in ins.arguments]
    assert len(runs) == 2
    for run in runs:
        assert "--frozen" in run and "--no-dev" in run and '--package "${SERVICE_DIR}"' in run, run


# --- runtime shape -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_runtime_stage_is_non_root_with_a_healthcheck(path: Path) -> None:
    dockerfile = Dockerfile.read(path)
    last_from = max(i for i, ins in enumerate(dockerfile.instructions) if ins.keyword == "FROM")
    runtime = dockerfile.instructions[last_from:]
    users = [ins.arguments for ins in runtime if ins.keyword == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}, f"{path.name} runs as root"
    checks = [ins.arguments for ins in runtime if ins.keyword == "HEALTHCHECK"]
    assert len(checks) == 1 and checks[0].endswith('CMD ["python", "/app/deploy/docker/healthcheck.py"]')
    env = " ".join(ins.arguments for ins in runtime if ins.keyword == "ENV")
    for setting in (
        "HOST=0.0.0.0",
        "EGOV_VAR_DIR=/var/lib/egov",
        "HEALTHCHECK_URL=http://127.0.0.1:${SERVICE_PORT}/healthz",
    ):
        assert setting in env, f"{path.name}: ENV lacks {setting}"
    assert any(ins.keyword == "COPY" and "contracts" in ins.arguments for ins in dockerfile.instructions)


# --- the probe -----------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 200 if self.path == "/healthz" else 503
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"status": "ok"}' if status == 200 else b'{"status": "unavailable"}')

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _probe(*args: str, env: dict[str, str] | None = None) -> int:
    result = subprocess.run(
        [sys.executable, str(HEALTHCHECK), *args],
        capture_output=True,
        timeout=30,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
        check=False,
    )
    return result.returncode


def test_probe_passes_on_200(health_server: str) -> None:
    assert _probe(f"{health_server}/healthz") == 0
    assert _probe(env={"HEALTHCHECK_URL": f"{health_server}/healthz"}) == 0


def test_probe_fails_on_503_and_on_no_server(health_server: str) -> None:
    assert _probe(f"{health_server}/not-ready") == 1
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        free = sock.getsockname()[1]
    assert _probe(f"http://127.0.0.1:{free}/healthz") == 1


def test_probe_ignores_proxies(health_server: str) -> None:
    assert (
        _probe(
            f"{health_server}/healthz",
            env={"http_proxy": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"},
        )
        == 0
    )


def test_probe_needs_a_url() -> None:
    assert _probe() == 2
    assert _probe("file:///etc/passwd") == 1
