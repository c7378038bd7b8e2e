"""deploy/compose: valid Compose files whose services, ports, environment, images, volumes and
healthchecks agree with the workspace, the code and deploy/README.md. No Docker needed."""

from __future__ import annotations

import importlib.resources
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.deploy.deployfiles import (
    COMPOSE_DIR,
    COMPOSE_FILES,
    LIBRARY_ENV,
    REPO,
    Dockerfile,
    dockerfile_of,
    documented_outside_compose,
    documented_ports,
    env_names_read,
    environment_of,
    is_pinned,
    load_yaml,
    merged_compose,
    our_services,
    package_of,
    published_ports,
    workspace_members,
)

MERGED = merged_compose()
CORE = load_yaml(COMPOSE_FILES[0])
OURS = our_services(MERGED)


def _compose_schema() -> dict[str, Any]:
    vendor = importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
    return json.loads((vendor / "compose-spec.json").read_text(encoding="utf-8"))


# --- (a) the Compose Specification ---------------------------------------------------------


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_compose_file_validates_with_check_jsonschema(path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "name,document",
    [(path.name, load_yaml(path)) for path in COMPOSE_FILES] + [("merged", MERGED)],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_compose_document_matches_compose_spec(name: str, document: dict[str, Any]) -> None:
    schema = _compose_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, f"{name}: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors
    )


def test_every_overlay_service_exists_in_the_core_file() -> None:
    overlay = load_yaml(COMPOSE_FILES[1])
    for name, service in overlay["services"].items():
        if "image" in service or "build" in service:
            continue  # a service the overlay adds (jaeger)
        assert name in CORE["services"], f"{COMPOSE_FILES[1].name} overrides unknown service {name!r}"


# --- (b) our services are workspace packages that run with `python -m` ---------------------


@pytest.mark.parametrize("name", sorted(OURS))
def test_service_is_a_workspace_package_with_a_main(name: str) -> None:
    assert name in workspace_members(), f"{name} is not a uv workspace member (pyproject.toml)"
    folder = REPO / name
    assert (folder / "pyproject.toml").is_file(), f"{name}/pyproject.toml is missing"
    package = package_of(name)
    assert (folder / "src" / package / "__init__.py").is_file(), f"{name}/src/{package}/ is not a package"
    assert (folder / "src" / package / "__main__.py").is_file(), (
        f"{name}/src/{package}/__main__.py is missing: the image runs `python -m {package}`"
    )


@pytest.mark.parametrize("name", sorted(OURS))
def test_service_is_built_from_its_own_dockerfile(name: str) -> None:
    path = dockerfile_of(OURS[name])
    assert path == REPO / "deploy" / "docker" / f"{name}.Dockerfile", path
    assert path.is_file(), f"{path} is missing"
    assert (COMPOSE_DIR / OURS[name]["build"]["context"]).resolve() == REPO, (
        "build context must be the repo root"
    )
    dockerfile = Dockerfile.read(path)
    package = package_of(name)
    assert dockerfile.arg_defaults.get("SERVICE_DIR") == name
    assert dockerfile.arg_defaults.get("SERVICE_PACKAGE") == package
    assert dockerfile.cmd() == ["python", "-m", package], f"{path.name}: CMD {dockerfile.cmd()}"


# --- (c) ports -----------------------------------------------------------------------------


def test_published_ports_are_the_documented_ones() -> None:
    outside = documented_outside_compose()
    table = {name: ports for name, ports in documented_ports().items() if name not in outside}
    published: dict[str, set[int]] = {}
    for name, service in MERGED["services"].items():
        for port in published_ports(service):
            assert port.host_ip == "127.0.0.1", f"{name} publishes {port} beyond 127.0.0.1"
            assert port.host_port == port.container_port, (
                f"{name}: host port {port.host_port} != container port"
            )
            published.setdefault(name, set()).add(port.host_port)
    assert published == table, f"published ports {published} differ from deploy/README.md's table {table}"


@pytest.mark.parametrize("name", sorted(OURS))
def test_image_port_is_the_documented_port(name: str) -> None:
    (port,) = documented_ports()[name]
    dockerfile = Dockerfile.read(dockerfile_of(OURS[name]))
    assert dockerfile.arg_defaults["SERVICE_PORT"] == str(port)
    assert [ins.arguments for ins in dockerfile.of("EXPOSE")] == [str(port)]
    # `make run` (egov_cli.landscape) and the containers agree on ports and packages.
    landscape = pytest.importorskip("egov_cli.landscape")
    specs = {spec.name: spec for spec in getattr(landscape, "SERVICES", ())}
    if name in specs:
        assert (specs[name].port, specs[name].package) == (port, package_of(name))


def test_rows_marked_outside_compose_are_not_compose_services() -> None:
    # trace-sink (make run's span store; Jaeger holds 4317/4318 in compose) and the citizen's signer.
    outside = documented_outside_compose()
    assert {"trace-sink", "signer"} <= outside, outside
    assert not outside & set(MERGED["services"]), f"{outside & set(MERGED['services'])} are in compose"


def test_ports_agree_with_make_run() -> None:
    # `egov run` (egov_cli.landscape.SERVICES) uses the ports of deploy/README.md's table.
    landscape = pytest.importorskip("egov_cli.landscape")
    table = documented_ports()
    for spec in getattr(landscape, "SERVICES", ()):
        assert table.get(spec.name) == {spec.port}, (spec.name, spec.port, table.get(spec.name))


def test_no_two_services_share_a_host_port() -> None:
    seen: dict[int, str] = {}
    for name, service in MERGED["services"].items():
        for port in published_ports(service):
            assert port.host_port not in seen, (
                f"{name} and {seen[port.host_port]} both publish {port.host_port}"
            )
            seen[port.host_port] = name


# --- (d) environment -----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(OURS))
def test_every_environment_variable_is_read_by_the_code(name: str) -> None:
    readable = env_names_read([REPO / "kit" / "src", REPO / name / "src"]) | LIBRARY_ENV
    unknown = sorted(set(environment_of(OURS[name])) - readable)
    assert not unknown, (
        f"compose sets {', '.join(unknown)} for {name}, but neither egov_kit nor {name}'s code reads "
        f"{'it' if len(unknown) == 1 else 'them'} (settings AliasChoices/validation_alias, os.environ), "
        "and it is not a library variable of tests/deploy/deployfiles.py LIBRARY_ENV"
    )


@pytest.mark.parametrize("name", sorted(OURS))
def test_service_environment_is_complete(name: str) -> None:
    env = environment_of(OURS[name])
    expected = {
        "AMQP_URL": "amqp://egov:egov@rabbitmq:5672/",
        "SHEP_URL": "http://gateway-shep:8100",
        "NUC_URL": "http://nuc-mock:8103",
        "EGOV_VAR_DIR": "/var/lib/egov",
        "HOST": "0.0.0.0",  # noqa: S104 - inside the container
        "OTEL_SERVICE_NAME": name,
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://jaeger:4318",
        "DATABASE_URL": f"postgresql://egov:egov@postgres:5432/{package_of(name)}",
    }
    assert {k: env.get(k) for k in expected} == expected
    for clock in ("EGOV_CLOCK_OFFSET_SECONDS", "EGOV_CLOCK_SPEED"):
        assert clock in env, f"{name} does not pass {clock}"


def test_sender_passwords_default_to_the_dev_secrets() -> None:
    systems = {
        "gateway-shep": "SHEP",
        "gbd-fl-mock": "GBDFL",
        "enis-mock": "ENIS",
        "phc-registry": "PHC_REGISTRY",
        "egov-portal": "EGOV_PORTAL",
    }
    for name, system in systems.items():
        value = environment_of(OURS[name]).get("SHEP_SENDER_PASSWORD")
        assert value == f"${{SHEP_SENDER_PASSWORD_{system}:-{system.lower()}-dev-secret}}", (name, value)


def test_each_service_has_its_own_database_created_by_init_sql() -> None:
    init_sql = (COMPOSE_DIR / "postgres" / "init.sql").read_text(encoding="utf-8")
    created = set(re.findall(r"CREATE DATABASE (\w+)", init_sql))
    databases = [str(environment_of(s)["DATABASE_URL"]).rsplit("/", 1)[1] for s in OURS.values()]
    assert len(databases) == len(set(databases)), f"services share a database: {databases}"
    assert set(databases) <= created, f"init.sql does not create {set(databases) - created}"
    mounts = CORE["services"]["postgres"]["volumes"]
    assert any(
        m.startswith("./postgres/init.sql:/docker-entrypoint-initdb.d/") for m in mounts if isinstance(m, str)
    ), "init.sql is not mounted into /docker-entrypoint-initdb.d/"


def test_rabbitmq_credentials_match_amqp_url() -> None:
    env = environment_of(CORE["services"]["rabbitmq"])
    user, password = env["RABBITMQ_DEFAULT_USER"], env["RABBITMQ_DEFAULT_PASS"]
    for name, service in OURS.items():
        amqp_url = str(environment_of(service)["AMQP_URL"])
        assert amqp_url.startswith(f"amqp://{user}:{password}@rabbitmq:5672"), name


def test_observability_overlay_sets_the_otlp_endpoint_for_every_service() -> None:
    overlay = load_yaml(COMPOSE_FILES[1])
    assert environment_of(overlay["services"]["jaeger"]).get("COLLECTOR_OTLP_ENABLED") == "true"
    for name in our_services(CORE):
        assert environment_of(overlay["services"].get(name, {})).get("OTEL_EXPORTER_OTLP_ENDPOINT") == (
            "http://jaeger:4318"
        ), f"compose.observability.yaml does not point {name} at Jaeger"


# --- (f) images are pinned -----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(MERGED["services"]))
def test_image_is_pinned_to_a_version(name: str) -> None:
    service = MERGED["services"][name]
    if "build" in service and "image" not in service:
        return  # built here from a Dockerfile whose own images are checked in test_dockerfiles.py
    image = service.get("image")
    assert image, f"{name} has neither image nor build"
    assert is_pinned(image), f"{name}: image {image!r} is not pinned to a version tag"


# --- (g) healthchecks and start order ------------------------------------------------------


@pytest.mark.parametrize("name", sorted(MERGED["services"]))
def test_every_service_has_a_healthcheck(name: str) -> None:
    check = MERGED["services"][name].get("healthcheck")
    assert check and not check.get("disable") and check.get("test"), f"{name} has no healthcheck"
    assert check["test"][0] in {"CMD", "CMD-SHELL"}, check["test"]


@pytest.mark.parametrize("name", sorted(OURS))
def test_our_healthcheck_asks_healthz(name: str) -> None:
    test = MERGED["services"][name]["healthcheck"]["test"]
    assert test == ["CMD", "python", "/app/deploy/docker/healthcheck.py"], test
    dockerfile = Dockerfile.read(dockerfile_of(OURS[name]))
    env = " ".join(ins.arguments for ins in dockerfile.of("ENV"))
    assert "HEALTHCHECK_URL=http://127.0.0.1:${SERVICE_PORT}/healthz" in env


def test_depends_on_targets_exist_and_healthy_ones_have_healthchecks() -> None:
    services = MERGED["services"]
    for name, service in services.items():
        depends = service.get("depends_on") or {}
        if isinstance(depends, list):
            depends = {target: {"condition": "service_started"} for target in depends}
        for target, spec in depends.items():
            assert target in services, f"{name} depends on unknown service {target}"
            if spec.get("condition") == "service_healthy":
                assert services[target].get("healthcheck"), (
                    f"{name} waits for {target}, which has no healthcheck"
                )


def test_start_order() -> None:
    def healthy_deps(name: str) -> set[str]:
        depends = MERGED["services"][name].get("depends_on") or {}
        return {t for t, spec in depends.items() if spec.get("condition") == "service_healthy"}

    assert healthy_deps("nuc-mock") >= {"postgres"}
    assert healthy_deps("gateway-shep") >= {"rabbitmq", "postgres", "nuc-mock"}
    for provider in ("gbd-fl-mock", "enis-mock", "phc-registry"):
        assert healthy_deps(provider) >= {"rabbitmq", "postgres", "nuc-mock", "gateway-shep"}
    # The portal starts after the systems it calls, as in `make run` (egov_cli.landscape stages).
    assert healthy_deps("egov-portal") >= {
        "rabbitmq",
        "postgres",
        "nuc-mock",
        "gateway-shep",
        "gbd-fl-mock",
        "phc-registry",
    }


# --- volumes -------------------------------------------------------------------------------


def test_named_volumes_are_declared_and_each_service_has_its_own_var_dir() -> None:
    declared = set(MERGED.get("volumes") or {})
    used_by: dict[str, str] = {}
    for name, service in MERGED["services"].items():
        for mount in service.get("volumes") or []:
            source = mount.split(":", 1)[0] if isinstance(mount, str) else mount.get("source", "")
            if source.startswith((".", "/")):
                assert (COMPOSE_DIR / source).exists() or source.startswith("/"), f"{name}: {source} missing"
                continue
            assert source in declared, f"{name} mounts undeclared volume {source!r}"
            assert source not in used_by, f"{name} and {used_by[source]} share volume {source}"
            used_by[source] = name
    for name, service in OURS.items():
        assert f"{name}-var:/var/lib/egov" in (service.get("volumes") or []), (
            f"{name} has no {name}-var volume"
        )
    assert declared == set(used_by), f"declared but unused volumes: {declared - set(used_by)}"


def test_compose_files_parse_without_duplicate_keys() -> None:
    class Strict(yaml.SafeLoader):
        pass

    def construct(loader: Strict, node: yaml.MappingNode) -> dict[Any, Any]:
        keys = [key.value for key, _ in node.value if isinstance(key, yaml.ScalarNode)]
        duplicates = {k for k in keys if keys.count(k) > 1 and k != "<<"}
        assert not duplicates, f"duplicate keys {duplicates} at line {node.start_mark.line + 1}"
        return loader.construct_mapping(node)  # type: ignore[no-untyped-call]

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct)
    for path in COMPOSE_FILES:
        yaml.load(path.read_text(encoding="utf-8"), Loader=Strict)  # noqa: S506 - a SafeLoader subclass
