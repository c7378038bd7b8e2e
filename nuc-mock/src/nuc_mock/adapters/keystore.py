"""The CA's keys on disk: ``var/pki/ca/{root,issuing,ocsp}/`` with ``key.pem`` in mode 0600.

The first start creates the hierarchy; later starts reuse it. A lock file keeps two processes
starting together from creating two different CAs. The delegated OCSP responder certificate is
short-lived and re-issued when it nears its end or no longer belongs to the issuing CA.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from egov_kit.clock import now
from egov_kit.pki.issue import build_issuing_ca, build_ocsp_responder, build_root_ca
from egov_kit.pki.keys import KEY_FILE, KeyPair

from nuc_mock.domain.model import CaHierarchy, CaUnavailable

log = logging.getLogger("nuc_mock.keystore")

RESPONDER_RENEW_BEFORE = timedelta(days=7)


class CaKeyStore:
    def __init__(self, ca_dir: Path) -> None:
        self.ca_dir = ca_dir

    @property
    def root_dir(self) -> Path:
        return self.ca_dir / "root"

    @property
    def issuing_dir(self) -> Path:
        return self.ca_dir / "issuing"

    @property
    def ocsp_dir(self) -> Path:
        return self.ca_dir / "ocsp"

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.ca_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.ca_dir, 0o700)
        with open(self.ca_dir / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _save(self, pair: KeyPair, directory: Path) -> None:
        pair.save(directory)
        os.chmod(directory, 0o700)
        os.chmod(directory / KEY_FILE, 0o600)

    def exists(self) -> bool:
        return KeyPair.exists(self.root_dir) and KeyPair.exists(self.issuing_dir)

    def load_or_create(self, *, ca_issuers_url: str | None = None) -> CaHierarchy:
        """The CA hierarchy from disk, created (and saved) on first use."""
        with self._locked():
            if self.exists():
                root = KeyPair.load(self.root_dir)
                issuing = KeyPair.load(self.issuing_dir)
                try:
                    issuing.certificate.verify_directly_issued_by(root.certificate)
                except Exception as exc:
                    raise CaUnavailable(
                        f"the issuing CA in {self.issuing_dir} is not signed by the root"
                    ) from exc
                log.info("loaded CA from %s", self.ca_dir)
            else:
                root = build_root_ca()
                issuing = build_issuing_ca(root.private_key, root.certificate, ca_issuers_url=ca_issuers_url)
                self._save(root, self.root_dir)
                self._save(issuing, self.issuing_dir)
                log.info("created a new test CA in %s", self.ca_dir)
            responder = self._responder(issuing, now())
            return CaHierarchy(root=root, issuing=issuing, ocsp_responder=responder)

    def _responder(self, issuing: KeyPair, moment: datetime) -> KeyPair:
        if KeyPair.exists(self.ocsp_dir):
            try:
                current = KeyPair.load(self.ocsp_dir)
                current.certificate.verify_directly_issued_by(issuing.certificate)
                if moment + RESPONDER_RENEW_BEFORE < current.certificate.not_valid_after_utc:
                    return current
            except Exception as exc:
                log.warning("OCSP responder key store unusable (%s); issuing a new one", exc)
        responder = build_ocsp_responder(issuing.private_key, issuing.certificate)
        self._save(responder, self.ocsp_dir)
        return responder

    def renew_responder(self, ca: CaHierarchy) -> CaHierarchy:
        """The same hierarchy with a fresh OCSP responder when the current one nears its end."""
        moment = now()
        if moment + RESPONDER_RENEW_BEFORE < ca.ocsp_responder.certificate.not_valid_after_utc:
            return ca
        with self._locked():
            responder = self._responder(ca.issuing, moment)
        return CaHierarchy(root=ca.root, issuing=ca.issuing, ocsp_responder=responder)
