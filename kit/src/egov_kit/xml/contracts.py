"""XSD contracts of business documents: ``contracts/<name>/<file>.xsd`` of the checkout.

The ШЭП envelope has its own schemas (:mod:`egov_kit.shep.schemas`); the documents it carries (a
ГБД ФЛ person request, an ЕНИС power-of-attorney check, …) are described by the contracts of the
systems that serve them. A provider checks what it reads against its contract before it trusts a
single field::

    GBDFL = Contract("gbdfl", "urn:egov-sandbox:gbdfl:v1")   # contracts/gbdfl/gbdfl.xsd

    GBDFL.check_request(element)                  # SchemaViolation (SCHEMA_VIOLATION) otherwise
    validate_against(element, GBDFL.schema(), root=GBDFL.tag("response"))

Contracts are found from the checkout root exactly as the ШЭП contracts are
(:func:`egov_kit.shep.schemas.repo_root`; images keep the checkout layout under ``/app``), compiled
once and cached. Validation runs on a standalone copy of the element, so an element still inside
the envelope it arrived in is judged on its own, and reports libxml2's messages.
"""

from __future__ import annotations

import copy
import functools
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from lxml import etree

from egov_kit.shep.codes import SchemaViolation
from egov_kit.shep.schemas import SchemaUnavailable, repo_root

CONTRACTS_FOLDER = "contracts"

_MAX_REPORTED_ERRORS = 3
_lock = threading.Lock()  # a schema's error log is shared: validate and read it atomically


def contract_path(name: str, file: str | None = None) -> Path:
    """``contracts/<name>/<file>`` of the checkout (``file`` defaults to ``<name>.xsd``)."""
    relative = Path(CONTRACTS_FOLDER) / name / (file or f"{name}.xsd")
    root = repo_root()
    if root is None:
        raise SchemaUnavailable(f"cannot locate {relative.as_posix()}: no checkout around {__file__}")
    path = root / relative
    if not path.is_file():
        raise SchemaUnavailable(f"contract schema {path} not found")
    return path


@functools.lru_cache(maxsize=32)
def _compile(path: str) -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        return etree.XMLSchema(etree.parse(path, parser))
    except (OSError, etree.XMLSyntaxError, etree.XMLSchemaParseError) as exc:
        raise SchemaUnavailable(f"cannot load contract schema {path}: {exc}") from exc


def load_contract(name: str, file: str | None = None) -> etree.XMLSchema:
    """The compiled schema of ``contracts/<name>/<file>`` (compiled once, then cached)."""
    return _compile(str(contract_path(name, file)))


def clear_cache() -> None:
    """Forget compiled contracts (after changing files or the environment in tests)."""
    _compile.cache_clear()


def validate_against(element: etree._Element, schema: etree.XMLSchema, *, root: str | None = None) -> None:
    """Check a standalone copy of ``element`` against ``schema``.

    ``root`` (Clark notation, ``{namespace}local``) is the element the document must be. Raises
    :class:`~egov_kit.shep.codes.SchemaViolation` with libxml2's messages otherwise.
    """
    standalone = copy.deepcopy(element)
    if root is not None and standalone.tag != root:
        raise SchemaViolation(f"expected {root}, got {standalone.tag}")
    with _lock:
        if schema.validate(standalone):
            return
        # lxml-stubs declare the error log opaque; it is an iterable of log entries.
        errors: list[Any] = list(cast(Iterable[Any], schema.error_log))
    if not errors:
        raise SchemaViolation("the document does not conform to its schema")
    details = "; ".join(f"{error.message} (line {error.line})" for error in errors[:_MAX_REPORTED_ERRORS])
    more = len(errors) - _MAX_REPORTED_ERRORS
    if more > 0:
        details += f"; and {more} more"
    raise SchemaViolation(details)


@dataclass(frozen=True, slots=True)
class Contract:
    """One system's body contract: ``contracts/<name>/<file>`` with its target namespace."""

    name: str
    namespace: str
    file: str | None = None

    @property
    def relative(self) -> str:
        """``contracts/<name>/<file>``, as messages name it."""
        return f"{CONTRACTS_FOLDER}/{self.name}/{self.file or f'{self.name}.xsd'}"

    def path(self) -> Path:
        return contract_path(self.name, self.file)

    def schema(self) -> etree.XMLSchema:
        return load_contract(self.name, self.file)

    def tag(self, local: str) -> str:
        """``{namespace}local``: a tag of this contract in Clark notation."""
        return f"{{{self.namespace}}}{local}"

    def check(
        self,
        element: etree._Element,
        root: str,
        what_ru: str,
        what_kk: str,
        *,
        answer: Callable[[], str] | None = None,
    ) -> None:
        """Check ``element`` as ``root`` of this contract; a bilingual SCHEMA_VIOLATION naming
        ``what_ru`` / ``what_kk`` (the document: «Запрос» / «Сұрау», «Талон» …) otherwise.

        ``answer`` builds the document the error carries as its ``data`` (the service's answer to a
        request it cannot read), only when the check fails.
        """
        try:
            validate_against(element, self.schema(), root=self.tag(root))
        except SchemaViolation as exc:
            raise SchemaViolation(
                f"{what_ru} не соответствует схеме {self.relative} / "
                f"{what_kk} {self.relative} сызбасына сәйкес емес: {exc.message}",
                data=answer() if answer is not None else None,
            ) from exc

    def check_request(
        self, element: etree._Element, *, root: str = "request", answer: Callable[[], str] | None = None
    ) -> None:
        """Check a request ``root`` of this contract (:meth:`check` naming it «Запрос» / «Сұрау»)."""
        self.check(element, root, "Запрос", "Сұрау", answer=answer)
