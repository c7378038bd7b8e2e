"""`egov pki` through typer's CliRunner against nuc-mock served over real HTTP."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from egov_cli.pki import pki_app
from egov_kit.pki import CertificateError, CertificateValidator, KeyPair
from egov_kit.pki.trust import download_trust
from typer.testing import CliRunner

from tests.nuc_mock.served import ServedNuc
from tests.pki.support import BAD_IIN, BIN, IIN, IIN_2

runner = CliRunner()


@pytest.fixture(autouse=True)
def _nuc_url(served_nuc: ServedNuc, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NUC_URL", served_nuc.url)
    monkeypatch.setenv("COLUMNS", "200")


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(pki_app, list(args))
    return result.exit_code, result.output


def status_of(served: ServedNuc, serial: str) -> str:
    body = httpx.get(f"{served.url}/api/certificates/{serial}").json()
    return str(body["status"])


def test_issue_individual(tmp_path: Path) -> None:
    code, output = invoke(
        "issue", "--iin", IIN, "--surname", "Иванов", "--name", "Иван", "--out", str(tmp_path)
    )
    assert code == 0, output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cert.pem", "chain.pem", "key.pem", "keystore.p12"]
    password = re.search(r"PKCS#12 password: (\S+)", output)
    assert password is not None
    pair = KeyPair.from_pkcs12((tmp_path / "keystore.p12").read_bytes(), password.group(1).encode())
    assert pair.certificate == KeyPair.load(tmp_path).certificate
    identity = pair.identity()
    assert (identity.kind, identity.iin, identity.surname) == ("individual", IIN, "Иванов")


def test_issue_employee_system_and_validity_flags(tmp_path: Path) -> None:
    code, output = invoke(
        "issue", "--iin", IIN_2, "--bin", BIN, "--org", "ТОО «Тест»", "--role", "first_head", "--role", "hr",
        "--key-type", "ec", "--out", str(tmp_path / "employee"),
    )  # fmt: skip
    assert code == 0, output
    employee = KeyPair.load(tmp_path / "employee").identity()
    assert (employee.kind, employee.bin) == ("employee", BIN)
    assert employee.roles == {"legal_entity", "first_head", "hr"}

    code, output = invoke(
        "issue", "--system-id", "IIS_GK", "--bin", BIN, "--org", "НАО «ГК»", "--out", str(tmp_path / "system")
    )
    assert code == 0, output
    assert KeyPair.load(tmp_path / "system").identity().system_id == "IIS_GK"

    code, _ = invoke("issue", "--iin", IIN, "--expired", "--out", str(tmp_path / "old"))
    assert code == 0
    old = KeyPair.load(tmp_path / "old").certificate
    assert old.not_valid_after_utc < old.not_valid_before_utc.replace(year=old.not_valid_before_utc.year + 2)
    code, _ = invoke("issue", "--iin", IIN, "--not-yet-valid", "--out", str(tmp_path / "future"))
    assert code == 0
    future = KeyPair.load(tmp_path / "future").certificate
    assert future.not_valid_before_utc > old.not_valid_after_utc


def test_issue_errors(tmp_path: Path) -> None:
    code, output = invoke("issue", "--iin", BAD_IIN, "--out", str(tmp_path))
    assert code == 1
    assert "INVALID_IIN_BIN" in output
    code, output = invoke("issue", "--out", str(tmp_path))
    assert code == 1 and "--iin" in output
    code, output = invoke("issue", "--iin", IIN, "--expired", "--not-yet-valid", "--out", str(tmp_path))
    assert code == 1
    code, output = invoke("issue", "--iin", IIN, "--nuc-url", "http://127.0.0.1:9", "--out", str(tmp_path))
    assert code == 1 and "unreachable" in output
    assert not (tmp_path / "cert.pem").exists()


def test_revoke_and_show(served_nuc: ServedNuc, tmp_path: Path) -> None:
    assert invoke("issue", "--iin", IIN, "--out", str(tmp_path))[0] == 0
    serial = format(KeyPair.load(tmp_path).certificate.serial_number, "x")
    code, output = invoke("show", "--cert", str(tmp_path / "cert.pem"), "--verify")
    assert code == 0, output
    assert IIN in output and "individual" in output and "VALID" in output

    code, output = invoke("revoke", "--cert", str(tmp_path / "cert.pem"), "--reason", "key_compromise")
    assert code == 0, output
    assert status_of(served_nuc, serial) == "revoked"
    code, output = invoke("show", "--cert", str(tmp_path), "--verify")
    assert code == 1
    assert "CERT_REVOKED" in output
    code, output = invoke("revoke", "--cert", str(tmp_path / "cert.pem"))
    assert code == 1 and "NUC_CERT_ALREADY_REVOKED" in output
    code, output = invoke("show", "--cert", str(tmp_path / "missing.pem"))
    assert code == 1


async def test_fixtures(served_nuc: ServedNuc, tmp_path: Path) -> None:
    code, output = invoke("fixtures", "--out", str(tmp_path), "--iin", IIN_2)
    assert code == 0, output
    manifest = json.loads((tmp_path / "fixtures.json").read_text())
    expected = {
        "valid": None,
        "expired": "CERT_EXPIRED",
        "not_yet_valid": "CERT_NOT_YET_VALID",
        "revoked": "CERT_REVOKED",
        "unknown_ca": "CERT_UNTRUSTED",
    }
    assert {name: entry["expected_error"] for name, entry in manifest["fixtures"].items()} == expected
    trust = await download_trust(served_nuc.url)
    async with CertificateValidator.from_trust(trust) as validator:  # real HTTP to OCSP/CRL
        for name, code_expected in expected.items():
            folder = tmp_path / name
            pair = KeyPair.from_pkcs12(
                (folder / "keystore.p12").read_bytes(), manifest["fixtures"][name]["pkcs12_password"].encode()
            )
            assert pair.certificate == KeyPair.load(folder).certificate
            assert pair.identity().iin == IIN_2
            try:
                await validator.validate(pair.certificate, extra_chain=pair.chain)
                outcome = None
            except CertificateError as exc:
                outcome = exc.code
            assert outcome == code_expected, name
    assert status_of(served_nuc, manifest["fixtures"]["revoked"]["serial"]) == "revoked"
    unknown = x509.load_pem_x509_certificate((tmp_path / "unknown_ca" / "cert.pem").read_bytes())
    assert unknown.issuer != trust.issuing.subject


def test_employee_fixtures(tmp_path: Path) -> None:
    code, output = invoke("fixtures", "--out", str(tmp_path), "--iin", IIN, "--bin", BIN)
    assert code == 0, output
    for name in ("valid", "unknown_ca"):
        identity = KeyPair.load(tmp_path / name).identity()
        assert (identity.kind, identity.bin) == ("employee", BIN)
