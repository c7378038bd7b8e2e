"""Load the registry from its declarative data file (YAML), validated by pydantic.

The bundled file is ``gateway_shep/registry/registry.yaml``; ``SHEP_REGISTRY_FILE`` points the
gateway at another one (see :class:`gateway_shep.settings.Settings`). Any problem — a YAML syntax
error, a duplicate key, an invalid БИН, an unknown provider, a plain-text password — raises
:class:`~gateway_shep.domain.errors.RegistryInvalid` listing every problem with its location.

``uv run python -m gateway_shep.adapters.registry_file hash-password`` reads a password from stdin
and prints its hash for the file; ``… check [FILE]`` validates a file.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Annotated, Literal

import yaml
from egov_kit import strict_yaml
from egov_kit.identifiers import InvalidIdentifier, validate_bin
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from gateway_shep.domain.errors import RegistryInvalid
from gateway_shep.domain.passwords import InvalidPasswordHash, make_password_hash, parse_password_hash
from gateway_shep.domain.registry import (
    WILDCARD,
    AccessEntry,
    CertificateBinding,
    Channel,
    InformationSystem,
    LocalizedText,
    Registry,
    Service,
)

DEFAULT_REGISTRY_FILE = Path(__file__).resolve().parent.parent / "registry" / "registry.yaml"


# --- file schema ----------------------------------------------------------------------------


def _bin(value: str) -> str:
    try:
        return validate_bin(value)
    except InvalidIdentifier as exc:
        raise ValueError(exc.message) from None


def _password_hash(value: str) -> str:
    try:
        parse_password_hash(value)
    except InvalidPasswordHash as exc:
        raise ValueError(f"password_hash must be a scrypt hash, never a password: {exc}") from None
    return value


Bin = Annotated[str, StringConstraints(strict=True), AfterValidator(_bin)]
SystemId = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{1,63}$")]
ServiceId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_.\-]{1,127}$")]
ServiceRef = Annotated[str, StringConstraints(pattern=r"^(\*|[A-Za-z][A-Za-z0-9_.\-]{1,127})$")]
PasswordHashText = Annotated[str, AfterValidator(_password_hash)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TextFile(_Strict):
    ru: Annotated[str, StringConstraints(min_length=1)]
    kk: Annotated[str, StringConstraints(min_length=1)]


class CertificateFile(_Strict):
    common_name: Annotated[str, StringConstraints(min_length=1)]
    bin: Bin


class SystemFile(_Strict):
    id: SystemId
    name: TextFile
    bin: Bin
    password_hash: PasswordHashText
    certificate: CertificateFile | None = None  # default: CN=<id>, OU=BIN<bin>
    test_system: bool = False


class ServiceFile(_Strict):
    id: ServiceId
    provider: SystemId
    channel: Literal["sync", "async"]
    description: TextFile
    timeout_seconds: Annotated[float, Field(gt=0, le=300)] | None = None

    @model_validator(mode="after")
    def _timeout_only_for_sync(self) -> ServiceFile:
        if self.timeout_seconds is not None and self.channel != "sync":
            raise ValueError("timeout_seconds applies to synchronous services only")
        return self


class AccessFile(_Strict):
    sender: SystemId
    services: list[ServiceRef] = Field(default_factory=list)
    replies: list[ServiceRef] = Field(default_factory=list)


def _duplicates(values: list[str]) -> list[str]:
    return sorted(value for value, count in Counter(values).items() if count > 1)


class RegistryFile(_Strict):
    version: Literal[1]
    systems: list[SystemFile]
    services: list[ServiceFile]
    access: list[AccessFile] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> RegistryFile:
        problems: list[str] = []
        system_ids = [s.id for s in self.systems]
        service_ids = [s.id for s in self.services]
        for kind, dups in (
            ("system id", _duplicates(system_ids)),
            ("service id", _duplicates(service_ids)),
            ("access sender", _duplicates([a.sender for a in self.access])),
        ):
            problems.extend(f"duplicate {kind} {dup!r}" for dup in dups)
        known_systems, known_services = set(system_ids), set(service_ids)
        test_systems = {s.id for s in self.systems if s.test_system}
        for service in self.services:
            if service.provider not in known_systems:
                problems.append(
                    f"service {service.id!r}: provider {service.provider!r} is not a known system"
                )
        sync_services = {s.id for s in self.services if s.channel == "sync"}
        for entry in self.access:
            if entry.sender not in known_systems:
                problems.append(f"access: sender {entry.sender!r} is not a known system")
            for kind, refs in (("services", entry.services), ("replies", entry.replies)):
                for ref in refs:
                    if ref == WILDCARD:
                        if entry.sender not in test_systems:
                            problems.append(
                                f"access {entry.sender!r}: '*' is allowed only for a system "
                                "with test_system: true"
                            )
                    elif ref not in known_services:
                        problems.append(f"access {entry.sender!r}: {kind} names unknown service {ref!r}")
                    elif kind == "replies" and ref in sync_services:
                        problems.append(
                            f"access {entry.sender!r}: replies are possible only on asynchronous services, "
                            f"{ref!r} is synchronous"
                        )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def to_domain(self) -> Registry:
        systems = [
            InformationSystem(
                system_id=s.id,
                name=LocalizedText(ru=s.name.ru, kk=s.name.kk),
                bin=s.bin,
                password_hash=s.password_hash,
                certificate=CertificateBinding(
                    common_name=s.certificate.common_name if s.certificate else s.id,
                    bin=s.certificate.bin if s.certificate else s.bin,
                ),
                test_system=s.test_system,
            )
            for s in self.systems
        ]
        services = [
            Service(
                service_id=s.id,
                provider_id=s.provider,
                channel=Channel(s.channel),
                description=LocalizedText(ru=s.description.ru, kk=s.description.kk),
                timeout_seconds=s.timeout_seconds,
            )
            for s in self.services
        ]
        access = [
            AccessEntry(sender_id=a.sender, services=frozenset(a.services), replies=frozenset(a.replies))
            for a in self.access
        ]
        return Registry(systems, services, access)


# --- YAML reading ---------------------------------------------------------------------------


def _format_validation_error(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error["loc"]) or "(file)"
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"  {location}: {message}")
    return "\n".join(lines)


def load_registry_text(text: str, *, source: str = "<text>") -> Registry:
    """Parse and validate registry YAML; raise :class:`RegistryInvalid` naming ``source``."""
    try:
        data = strict_yaml.load(text)
    except yaml.YAMLError as exc:
        raise RegistryInvalid(f"registry file {source} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise RegistryInvalid(f"registry file {source} must hold a mapping with version, systems, services")
    try:
        parsed = RegistryFile.model_validate(data)
    except ValidationError as exc:
        raise RegistryInvalid(
            f"registry file {source} is invalid:\n{_format_validation_error(exc)}", data=str(source)
        ) from None
    return parsed.to_domain()


def load_registry(path: Path | str | None = None) -> Registry:
    """Load the registry from ``path`` (the bundled file when ``None``)."""
    file = Path(path) if path is not None else DEFAULT_REGISTRY_FILE
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise RegistryInvalid(f"registry file {file} cannot be read: {exc}") from None
    return load_registry_text(text, source=str(file))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["hash-password"]:
        password = sys.stdin.readline().rstrip("\r\n")
        print(make_password_hash(password))
        return 0
    if args[:1] == ["check"]:
        try:
            registry = load_registry(args[1] if len(args) > 1 else None)
        except RegistryInvalid as exc:
            print(exc.message, file=sys.stderr)
            return 1
        print(f"ok: {len(registry.systems)} systems, {len(registry.services)} services")
        return 0
    usage = "usage: python -m gateway_shep.adapters.registry_file (hash-password | check [FILE])"
    print(usage, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
