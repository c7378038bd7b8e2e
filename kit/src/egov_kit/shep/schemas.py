"""XSD validation of ШЭП bodies, against the real gateway's schemas or our own contracts.

Two sources, each with one entry document per channel:

* ``reference``: the real WSDL/XSD, read through the ``_xmllint`` wrappers in
  ``../shared/reference/shep`` next to the checkout (override: ``SHEP_REFERENCE_DIR``, the folder that
  holds ``_xmllint/``). Not part of the product, so it may be missing.
* ``contracts``: our own documents in ``contracts/shep/`` of the checkout (override:
  ``SHEP_CONTRACTS_DIR``), field for field the same.

``source="auto"`` (the default) uses the reference when it is there and our contracts otherwise.
Compiled schemas are cached per file, so validating each inbound message costs one libxml2 pass.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal, cast

from lxml import etree

from egov_kit.errors import KitError
from egov_kit.shep.codes import SchemaViolation, UnknownOperation
from egov_kit.shep.models import ASYNC_NS, SYNC_NS, Channel

REFERENCE_ENV = "SHEP_REFERENCE_DIR"
CONTRACTS_ENV = "SHEP_CONTRACTS_DIR"

Source = Literal["auto", "reference", "contracts"]

_REFERENCE_FILES: dict[Channel, str] = {"sync": "_xmllint/sync.xsd", "async": "_xmllint/async.xsd"}
_CONTRACT_FILES: dict[Channel, str] = {"sync": "sync.xsd", "async": "async.xsd"}

_SOAP_FAULT = "{http://schemas.xmlsoap.org/soap/envelope/}Fault"
_MAX_REPORTED_ERRORS = 3

_lock = threading.Lock()


class SchemaUnavailable(KitError):
    """The schema documents are not where they were expected (a deployment problem, not the sender's)."""

    code = "SCHEMA_UNAVAILABLE"


@functools.cache
def repo_root() -> Path | None:
    """The checkout root: the first parent of this file that holds ``kit/pyproject.toml``."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "kit" / "pyproject.toml").is_file():
            return parent
    return None


def reference_dir() -> Path:
    """Folder of the real ШЭП schemas (holds ``_xmllint/``)."""
    configured = os.environ.get(REFERENCE_ENV)
    if configured:
        return Path(configured)
    root = repo_root()
    if root is None:
        raise SchemaUnavailable(
            f"cannot locate the ШЭП reference schemas: no checkout around {__file__}; set {REFERENCE_ENV}"
        )
    return root.parent / "shared" / "reference" / "shep"


def contracts_dir() -> Path:
    """Folder of our own ШЭП contract schemas (``contracts/shep``)."""
    configured = os.environ.get(CONTRACTS_ENV)
    if configured:
        return Path(configured)
    root = repo_root()
    if root is None:
        raise SchemaUnavailable(
            f"cannot locate contracts/shep: no checkout around {__file__}; set {CONTRACTS_ENV}"
        )
    return root / "contracts" / "shep"


def schema_path(channel: Channel, source: Literal["reference", "contracts"]) -> Path:
    if source == "reference":
        return reference_dir() / _REFERENCE_FILES[channel]
    return contracts_dir() / _CONTRACT_FILES[channel]


@functools.lru_cache(maxsize=16)
def _compile(path: str) -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        document = etree.parse(path, parser)
        return etree.XMLSchema(document)
    except (OSError, etree.XMLSyntaxError, etree.XMLSchemaParseError) as exc:
        raise SchemaUnavailable(f"cannot load ШЭП schema {path}: {exc}") from exc


def load_schema(channel: Channel, source: Literal["reference", "contracts"]) -> etree.XMLSchema:
    """The compiled schema of ``channel`` from ``source`` (cached), or :class:`SchemaUnavailable`."""
    path = schema_path(channel, source)
    if not path.is_file():
        if source == "reference":
            raise SchemaUnavailable(
                f"ШЭП reference schema {path} not found: the reference folder (../shared/reference/shep "
                f"next to the checkout) is missing; set {REFERENCE_ENV} to the folder holding _xmllint/, "
                "or validate against our own contracts (source='contracts')"
            )
        raise SchemaUnavailable(
            f"ШЭП contract schema {path} not found; set {CONTRACTS_ENV} to the folder holding sync.xsd "
            "and async.xsd (contracts/shep of the checkout)"
        )
    return _compile(str(path))


def schema_for(channel: Channel, source: Source = "auto") -> etree.XMLSchema:
    """The schema to validate ``channel`` bodies with; ``auto`` prefers the reference."""
    if source != "auto":
        return load_schema(channel, source)
    try:
        return load_schema(channel, "reference")
    except SchemaUnavailable as reference_missing:
        try:
            return load_schema(channel, "contracts")
        except SchemaUnavailable as contracts_missing:
            raise SchemaUnavailable(
                f"no ШЭП schema available: {reference_missing.message}; {contracts_missing.message}"
            ) from contracts_missing


def clear_cache() -> None:
    """Forget compiled schemas and the located checkout (after changing the environment in tests)."""
    _compile.cache_clear()
    repo_root.cache_clear()


def channel_of(payload: etree._Element) -> Channel:
    namespace = etree.QName(payload).namespace
    if namespace == SYNC_NS:
        return "sync"
    if namespace == ASYNC_NS:
        return "async"
    raise UnknownOperation(f"{payload.tag} is in no ШЭП channel namespace")


def _validation_root(payload: etree._Element) -> etree._Element:
    if payload.tag != _SOAP_FAULT:
        return payload
    # A fault is validated through the ШЭП fault element in its detail.
    for child in payload:
        if child.tag == "detail":
            entries = [entry for entry in child if isinstance(entry.tag, str)]
            if len(entries) == 1:
                return entries[0]
    raise SchemaViolation("soap:Fault has no ШЭП fault element (ErrorInfo) in its detail")


def validate_body(
    payload: etree._Element, channel: Channel | None = None, *, source: Source = "auto"
) -> None:
    """Validate the element under soap:Body (or a soap:Fault's detail) against the channel's XSD.

    Raises :class:`SchemaViolation` with libxml2's message; :class:`SchemaUnavailable` if no schema
    can be loaded.
    """
    root = _validation_root(payload)
    schema = schema_for(channel or channel_of(root), source)
    with _lock:  # the error log belongs to the schema object; keep validate + read atomic
        if schema.validate(root):
            return
        # lxml-stubs declare the error log opaque; it is an iterable of log entries.
        errors: list[Any] = list(cast(Iterable[Any], schema.error_log))
    if not errors:
        raise SchemaViolation("the body does not conform to the ШЭП schema")
    details = "; ".join(f"{error.message} (line {error.line})" for error in errors[:_MAX_REPORTED_ERRORS])
    more = len(errors) - _MAX_REPORTED_ERRORS
    if more > 0:
        details += f"; and {more} more"
    raise SchemaViolation(details)
