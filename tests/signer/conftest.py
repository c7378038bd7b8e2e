"""Fixtures of the signer's tests: a throwaway CA and key folders in tmp_path (no nuc-mock running)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from egov_cli.signer.server import Signer, start_server
from egov_kit.clock import configure_clock
from egov_kit.pki import KeyPair, SubjectSpec, build_root_ca, issue_key_pair
from egov_kit.pki.issue import build_issuing_ca
from egov_kit.pki.profile import CertificateKind

# ИИН of ГБД ФЛ's documented test persons (valid check digits) and a БИН of the PKI tests.
ADULT_IIN = "880412390017"
PENSIONER_IIN = "541130390295"
MINOR_IIN = "150601590223"
UNKNOWN_IIN = "900101390508"
BIN = "100140000013"
# The answer to a malformed document, word for word.
MALFORMED = "Документ для подписи не является корректным XML / Қол қоюға берілген құжат дұрыс XML емес"


@dataclass(frozen=True)
class TestCa:
    root: KeyPair
    issuing: KeyPair

    __test__ = False

    def issue(
        self,
        folder: Path,
        iin: str,
        surname: str,
        given_name: str,
        *,
        kind: CertificateKind = "individual",
        not_before: datetime | None = None,
        not_after: datetime | None = None,
    ) -> KeyPair:
        spec = SubjectSpec(
            kind=kind,
            iin=iin,
            surname=surname,
            given_name=given_name,
            bin=BIN if kind == "employee" else None,
            organisation="ГКП «Поликлиника №1»" if kind == "employee" else None,
            roles=frozenset({"employee"}) if kind == "employee" else frozenset(),
        )
        pair = issue_key_pair(self.issuing, spec, not_before=not_before, not_after=not_after)
        pair.save(folder)
        return pair


@pytest.fixture(autouse=True)
def _reset_clock() -> Iterator[None]:
    configure_clock()
    yield
    configure_clock()


@pytest.fixture(scope="session")
def ca() -> TestCa:
    root = build_root_ca("SIGNER TEST ROOT")
    return TestCa(root, build_issuing_ca(root.private_key, root.certificate, "SIGNER TEST ISSUING CA"))


@pytest.fixture
def keys_dir(tmp_path: Path, ca: TestCa) -> Path:
    """Two citizens: ``adult`` (the first by name, hence the default) and ``pensioner``."""
    folder = tmp_path / "keys"
    ca.issue(folder / "adult", ADULT_IIN, "Ахметов", "Ерлан")
    ca.issue(folder / "pensioner", PENSIONER_IIN, "Петров", "Виктор")
    return folder


@pytest.fixture
def signer(keys_dir: Path) -> Signer:
    return Signer(keys_dir)


@pytest.fixture
async def ws_url(signer: Signer) -> AsyncIterator[str]:
    """The signer served on a free port of the loopback: its ``ws://`` URL."""
    server = await start_server(signer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"ws://127.0.0.1:{port}/"
    finally:
        server.close()
        await server.wait_closed()
