"""The signer's key folder: one sub-folder per test identity, and which key signs a document.

The folder (``var/signer/keys`` by default) holds one sub-folder per identity as written by
``egov pki issue --out DIR/<name>`` or ``egov signer --issue-test-persons``: ``key.pem``,
``cert.pem``, ``chain.pem``. The sub-folder's name is the key's name (``--default adult``). A folder
that itself holds ``key.pem`` and ``cert.pem`` counts as a single key.

Key selection is the sandbox's deliberate shortcut. The real NCALayer shows a dialog in which the
citizen picks their own key file and types its password. The sandbox has no person at the keyboard,
so the signer picks the key whose certificate's ИИН equals the ИИН the document names (the first
element whose local name is ``recipientIin``, ``iin``, ``employeeIin`` or ``signerIin``) — as if the
citizen had picked their own key. When no key has that ИИН, the key named by ``--default`` signs, or
else the first key by name. Nothing in the signed document reveals the shortcut; the receiving side
checks, as it must anyway, that the signer's certificate names the right person.

The folder is re-read when its content changes (a sub-folder added or a ``cert.pem`` rewritten),
so keys issued while the signer runs are picked up without a restart.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from egov_kit.clock import now
from egov_kit.errors import KitError
from egov_kit.pki import KeyPair, identity_from_certificate
from egov_kit.pki.keys import CERT_FILE, KEY_FILE
from egov_kit.pki.profile import CertificateKind
from lxml import etree

from egov_cli.signer.errors import default_key_missing, no_keys

log = logging.getLogger("egov.signer")

# Local names of the elements that name the signer's ИИН in our documents, in no particular order:
# the first such element in document order wins.
IIN_ELEMENTS: frozenset[str] = frozenset({"recipientIin", "iin", "employeeIin", "signerIin"})
# Elements that name an organisation's employee: an employee certificate (ИИН + БИН) is preferred.
# Whoever the document names as its signer (an employee confirming a citizen's application at the
# provider's workstation) wins over the citizen the document is about.
EMPLOYEE_IIN_ELEMENTS: frozenset[str] = frozenset({"employeeIin", "signerIin"})


@dataclass(frozen=True)
class DocumentSigner:
    """Whom a document names as its signer: the ИИН and the element it was found in."""

    iin: str
    element: str

    @property
    def preferred_kind(self) -> CertificateKind:
        return "employee" if self.element in EMPLOYEE_IIN_ELEMENTS else "individual"


def document_signer(root: etree._Element) -> DocumentSigner | None:
    """``signerIin``/``employeeIin`` anywhere in the document, else the first element (document
    order) whose local name is one of :data:`IIN_ELEMENTS`."""
    first: DocumentSigner | None = None
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        local = etree.QName(node).localname
        text = (node.text or "").strip()
        if local in IIN_ELEMENTS and text:
            if local in EMPLOYEE_IIN_ELEMENTS:
                return DocumentSigner(text, local)
            first = first or DocumentSigner(text, local)
    return first


@dataclass(frozen=True)
class StoredKey:
    """One key of the folder: its name (the sub-folder's), the key pair and whom it certifies."""

    name: str
    path: Path
    pair: KeyPair
    iin: str | None
    kind: CertificateKind | None
    common_name: str

    @property
    def certificate(self) -> x509.Certificate:
        return self.pair.certificate

    def valid_now(self) -> bool:
        moment = now()
        cert = self.pair.certificate
        return cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc

    def describe(self) -> str:
        who = f"ИИН {self.iin}" if self.iin else "no ИИН"
        return f"{self.name} ({self.common_name}, {who})"


def load_key(name: str, path: Path) -> StoredKey:
    """Load one key store directory; raise ``KitError`` (``KeyStoreError``…) when unreadable."""
    pair = KeyPair.load(path)
    cert = pair.certificate
    try:
        identity = identity_from_certificate(cert)
    except KitError:
        # Not of the НУЦ РК profile (no ИИН in the subject): still usable as the default key.
        cn = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        common_name = str(cn[0].value) if cn else cert.subject.rfc4514_string()
        return StoredKey(name, path, pair, None, None, common_name)
    return StoredKey(name, path, pair, identity.iin, identity.kind, identity.common_name)


def _key_dirs(directory: Path) -> list[tuple[str, Path]]:
    if KeyPair.exists(directory):
        return [(directory.name, directory)]
    if not directory.is_dir():
        return []
    return sorted(
        (child.name, child)
        for child in directory.iterdir()
        if child.is_dir() and not child.name.startswith(".") and KeyPair.exists(child)
    )


def _snapshot(directory: Path) -> tuple[tuple[str, int, int], ...]:
    """What the folder holds, cheaply: (name, cert.pem mtime, key.pem mtime) of each key directory."""
    entries = []
    for name, path in _key_dirs(directory):
        try:
            cert_mtime = (path / CERT_FILE).stat().st_mtime_ns
            key_mtime = (path / KEY_FILE).stat().st_mtime_ns
        except OSError:
            continue
        entries.append((name, cert_mtime, key_mtime))
    return tuple(entries)


class KeyStore:
    """The keys of one folder, re-read when the folder changes; safe to use from several threads."""

    def __init__(self, directory: Path | str, *, default: str | None = None) -> None:
        self.directory = Path(directory)
        self.default = default
        self._lock = threading.Lock()
        self._snapshot: tuple[tuple[str, int, int], ...] | None = None
        self._keys: tuple[StoredKey, ...] = ()
        self._problems: tuple[str, ...] = ()
        self.refresh()

    # --- reading the folder ----------------------------------------------------------------------

    def refresh(self) -> bool:
        """Re-read the folder if its content changed since the last read; True when it was re-read."""
        with self._lock:
            snapshot = _snapshot(self.directory)
            if snapshot == self._snapshot:
                return False
            keys: list[StoredKey] = []
            problems: list[str] = []
            for name, path in _key_dirs(self.directory):
                try:
                    keys.append(load_key(name, path))
                except KitError as exc:
                    problems.append(f"{name}: {exc.message}")
                    log.warning("key %s in %s is unreadable: %s", name, path, exc.message)
            self._keys, self._problems, self._snapshot = tuple(keys), tuple(problems), snapshot
            log.info("key folder %s: %d key(s) loaded", self.directory, len(keys))
            return True

    @property
    def keys(self) -> tuple[StoredKey, ...]:
        return self._keys

    @property
    def problems(self) -> tuple[str, ...]:
        """Sub-folders that look like key stores but could not be read (``name: reason``)."""
        return self._problems

    def __len__(self) -> int:
        return len(self._keys)

    def names(self) -> list[str]:
        return [key.name for key in self._keys]

    def get(self, name: str) -> StoredKey | None:
        return next((key for key in self._keys if key.name == name), None)

    def with_iin(self, iin: str) -> list[StoredKey]:
        return [key for key in self._keys if key.iin == iin]

    # --- choosing the key for a document ---------------------------------------------------------

    def default_key(self) -> StoredKey:
        """The key named by ``default``, or the first by name; :class:`NoSigningKey` when none."""
        if not self._keys:
            raise no_keys(str(self.directory))
        if self.default is None:
            return self._keys[0]
        key = self.get(self.default)
        if key is None:
            raise default_key_missing(self.default, str(self.directory))
        return key

    def choose(self, signer: DocumentSigner | None) -> StoredKey:
        """The key of the person the document names, else the default key (see the module's doc).

        Among several keys with that ИИН: the certificate kind the element suggests (an employee's
        for ``employeeIin``/``signerIin``, an individual's otherwise), then one valid now, then the
        first by name.
        """
        self.refresh()
        if signer is not None:
            candidates = self.with_iin(signer.iin)
            if candidates:
                return min(
                    candidates,
                    key=lambda key: (key.kind != signer.preferred_kind, not key.valid_now(), key.name),
                )
        return self.default_key()
