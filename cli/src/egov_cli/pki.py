"""`egov pki`: test certificates from nuc-mock (НУЦ РК stand-in): issue, revoke, show, fixtures.

Talks to nuc-mock at ``NUC_URL`` (default http://127.0.0.1:8103) or ``--nuc-url``. Key stores are
written as ``key.pem`` (0600), ``cert.pem``, ``chain.pem`` and ``keystore.p12`` (0600).
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from cryptography import x509
from egov_kit.clock import now
from egov_kit.errors import KitError
from egov_kit.pki.errors import CertificateError, KeyStoreError
from egov_kit.pki.issue import SubjectSpec, build_issuing_ca, build_root_ca, issue_key_pair
from egov_kit.pki.keys import (
    CERT_FILE,
    CHAIN_FILE,
    KEY_FILE,
    PKCS12_FILE,
    KeyPair,
    load_certificate_file,
    load_certificates_pem,
    write_atomic,
)
from egov_kit.pki.profile import format_name, identity_from_certificate
from egov_kit.pki.trust import download_trust
from egov_kit.pki.validation import CertificateValidator, crl_urls, ocsp_urls
from egov_kit.settings import CommonSettings
from rich.console import Console
from rich.table import Table

pki_app = typer.Typer(
    name="pki",
    help="Test certification authority (nuc-mock, standing for НУЦ РК): issue, revoke, show, fixtures.",
    no_args_is_help=True,
)
console = Console()

DEFAULT_TEST_IIN = "800101300016"
MANIFEST = "fixtures.json"

NucUrl = Annotated[
    str | None,
    typer.Option("--nuc-url", help="nuc-mock's URL (default: NUC_URL or http://127.0.0.1:8103)."),
]


class CliError(Exception):
    """A failure to report in one red line and exit 1."""


def _nuc_url(option: str | None) -> str:
    return (option or CommonSettings().nuc_url).rstrip("/")


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]{message}[/red]")
    return typer.Exit(1)


def _api(
    client: httpx.Client, method: str, path: str, payload: dict[str, Any] | None = None
) -> dict[str, Any]:
    try:
        response = client.request(method, path, json=payload)
    except httpx.HTTPError as exc:
        raise CliError(f"nuc-mock at {client.base_url} is unreachable: {exc}") from exc
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200:
        if isinstance(body, dict) and "error" in body:
            raise CliError(f"{body['error']}: {body.get('message', '')}")
        raise CliError(f"nuc-mock answered HTTP {response.status_code}: {response.text[:500]}")
    if not isinstance(body, dict):
        raise CliError("nuc-mock answered something other than a JSON object")
    return body


def _payload(
    *,
    iin: str | None,
    bin_: str | None,
    surname: str,
    name: str,
    org: str | None,
    roles: list[str],
    system_id: str | None,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    key_type: str = "rsa",
) -> dict[str, Any]:
    if system_id:
        kind = "system"
    elif bin_:
        kind = "employee"
    else:
        kind = "individual"
    if kind != "system" and not iin:
        raise CliError("--iin is required (or --system-id with --bin and --org for a system certificate)")
    if kind != "individual" and not org:
        raise CliError(f"--org is required for a {kind} certificate")
    payload: dict[str, Any] = {
        "kind": kind,
        "iin": iin if kind != "system" else None,
        "bin": bin_,
        "surname": surname if kind != "system" else None,
        "given_name": name if kind != "system" else None,
        "organisation": org if kind != "individual" else None,
        "system_id": system_id,
        "roles": roles,
        "key_type": key_type,
    }
    if not_before is not None:
        payload["not_before"] = not_before.isoformat()
    if not_after is not None:
        payload["not_after"] = not_after.isoformat()
    return payload


def _write_issued(out: Path, body: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    if body.get("key_pem"):
        write_atomic(out / KEY_FILE, body["key_pem"].encode(), mode=0o600)
    write_atomic(out / CHAIN_FILE, body["chain_pem"].encode())
    if body.get("pkcs12_base64"):
        write_atomic(out / PKCS12_FILE, base64.b64decode(body["pkcs12_base64"]), mode=0o600)
    write_atomic(out / CERT_FILE, body["cert_pem"].encode())


def _validity(expired: bool, not_yet_valid: bool) -> tuple[datetime | None, datetime | None]:
    if expired and not_yet_valid:
        raise CliError("--expired and --not-yet-valid exclude each other")
    moment = now()
    if expired:
        return moment - timedelta(days=400), moment - timedelta(days=1)
    if not_yet_valid:
        return moment + timedelta(days=30), moment + timedelta(days=395)
    return None, None


@pki_app.command()
def issue(
    out: Annotated[
        Path, typer.Option("--out", help="Directory for key.pem, cert.pem, chain.pem, keystore.p12.")
    ],
    iin: Annotated[
        str | None, typer.Option("--iin", help="ИИН of the holder (12 digits, valid check digit).")
    ] = None,
    bin_: Annotated[
        str | None, typer.Option("--bin", help="БИН of the organisation (employee, system).")
    ] = None,
    surname: Annotated[str, typer.Option("--surname", help="Surname (SN).")] = "TESTOV",
    name: Annotated[str, typer.Option("--name", help="Given name (GN).")] = "TEST",
    org: Annotated[
        str | None, typer.Option("--org", help="Organisation (O), for employees and systems.")
    ] = None,
    role: Annotated[
        list[str] | None,
        typer.Option(
            "--role",
            help="Employee role (repeatable): first_head, right_of_signature, financial_signature, hr, "
            "employee.",
        ),
    ] = None,
    system_id: Annotated[
        str | None, typer.Option("--system-id", help="Issue an information system's certificate (CN).")
    ] = None,
    expired: Annotated[bool, typer.Option("--expired", help="Validity ended yesterday (fixture).")] = False,
    not_yet_valid: Annotated[
        bool, typer.Option("--not-yet-valid", help="Validity starts in 30 days.")
    ] = False,
    key_type: Annotated[str, typer.Option("--key-type", help="rsa (2048) or ec (P-256).")] = "rsa",
    nuc_url: NucUrl = None,
) -> None:
    """Issue a certificate through nuc-mock's API and write its key store to --out."""
    try:
        not_before, not_after = _validity(expired, not_yet_valid)
        payload = _payload(
            iin=iin,
            bin_=bin_,
            surname=surname,
            name=name,
            org=org,
            roles=role or [],
            system_id=system_id,
            not_before=not_before,
            not_after=not_after,
            key_type=key_type,
        )
        with httpx.Client(base_url=_nuc_url(nuc_url), timeout=60.0) as client:
            body = _api(client, "POST", "/api/certificates", payload)
    except CliError as exc:
        raise _fail(str(exc)) from exc
    _write_issued(out, body)
    console.print(f"[green]issued[/green] {body['kind']} certificate [bold]{body['serial']}[/bold]")
    console.print(f"  subject  {body['subject']}")
    console.print(f"  valid    {body['not_before']} – {body['not_after']}")
    console.print(f"  written  {out}/{{{KEY_FILE},{CERT_FILE},{CHAIN_FILE},{PKCS12_FILE}}}")
    console.print(f"  PKCS#12 password: [bold]{body['pkcs12_password']}[/bold]")


def _cert_path(path: Path) -> Path:
    return path / CERT_FILE if path.is_dir() else path


@pki_app.command()
def revoke(
    cert: Annotated[
        Path, typer.Option("--cert", help="The certificate (PEM/DER file or key store directory).")
    ],
    reason: Annotated[
        str, typer.Option("--reason", help="unspecified, key_compromise, affiliation_changed, superseded, …")
    ] = "unspecified",
    nuc_url: NucUrl = None,
) -> None:
    """Revoke a certificate at nuc-mock (the CRL is regenerated at once; OCSP answers 'revoked')."""
    try:
        certificate = load_certificate_file(_cert_path(cert))
        serial = format(certificate.serial_number, "x")
        with httpx.Client(base_url=_nuc_url(nuc_url), timeout=30.0) as client:
            body = _api(client, "POST", f"/api/certificates/{serial}/revoke", {"reason": reason})
    except (CliError, KeyStoreError) as exc:
        raise _fail(str(exc)) from exc
    console.print(
        f"[yellow]revoked[/yellow] certificate [bold]{body['serial']}[/bold] at {body['revoked_at']} "
        f"({body['revocation_reason']})"
    )


def _identity_table(certificate: x509.Certificate) -> Table:
    table = Table(title="Certificate", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    try:
        identity = identity_from_certificate(certificate)
    except CertificateError as exc:
        table.add_row("profile", f"[red]{exc}[/red]")
        identity = None
    if identity is not None:
        table.add_row("kind", identity.kind)
        table.add_row("ИИН", identity.iin or "—")
        table.add_row("БИН", identity.bin or "—")
        table.add_row("common name", identity.common_name)
        table.add_row("surname", identity.surname or "—")
        table.add_row("given name", identity.given_name or "—")
        table.add_row("organisation", identity.organisation or "—")
        table.add_row("roles", ", ".join(sorted(identity.roles)) or "—")
    table.add_row("subject", format_name(certificate.subject))
    table.add_row("issuer", format_name(certificate.issuer))
    table.add_row("serial", format(certificate.serial_number, "x"))
    table.add_row("not before", certificate.not_valid_before_utc.isoformat())
    table.add_row("not after", certificate.not_valid_after_utc.isoformat())
    table.add_row("OCSP", ", ".join(ocsp_urls(certificate)) or "—")
    table.add_row("CRL", ", ".join(crl_urls(certificate)) or "—")
    if identity is not None:
        table.add_row("SHA-256", identity.fingerprint_sha256)
    return table


@pki_app.command()
def show(
    cert: Annotated[
        Path, typer.Option("--cert", help="The certificate (PEM/DER file or key store directory).")
    ],
    verify: Annotated[
        bool, typer.Option("--verify", help="Also validate it (chain, dates, OCSP/CRL) against nuc-mock.")
    ] = False,
    nuc_url: NucUrl = None,
) -> None:
    """Show who a certificate names (ИИН, БИН, roles) and, with --verify, whether it is valid now."""
    path = _cert_path(cert)
    try:
        certificate = load_certificate_file(path)
    except KeyStoreError as exc:
        raise _fail(str(exc)) from exc
    console.print(_identity_table(certificate))
    if not verify:
        return
    chain_file = path.parent / CHAIN_FILE
    try:
        extra = load_certificates_pem(chain_file.read_bytes()) if chain_file.is_file() else []
    except KeyStoreError:
        extra = []

    async def run() -> str:
        trust = await download_trust(_nuc_url(nuc_url))
        async with CertificateValidator.from_trust(trust) as validator:
            identity = await validator.validate(certificate, extra_chain=extra)
            return identity.kind

    try:
        asyncio.run(run())
    except KitError as exc:
        console.print(f"[red]INVALID[/red] {exc.code}: {exc.message}")
        raise typer.Exit(1) from exc
    console.print("[green]VALID[/green]: chain, dates and revocation status checked")


@pki_app.command()
def fixtures(
    out: Annotated[Path, typer.Option("--out", help="Directory to create the fixture key stores in.")],
    iin: Annotated[str, typer.Option("--iin", help="ИИН of the test person.")] = DEFAULT_TEST_IIN,
    bin_: Annotated[
        str | None, typer.Option("--bin", help="Make employee certificates of this organisation instead.")
    ] = None,
    surname: Annotated[str, typer.Option("--surname")] = "TESTOV",
    name: Annotated[str, typer.Option("--name")] = "TEST",
    org: Annotated[str | None, typer.Option("--org")] = None,
    nuc_url: NucUrl = None,
) -> None:
    """Create test key stores: valid, expired, not_yet_valid, revoked and unknown_ca (one folder each).

    ``fixtures.json`` lists each one's serial, PKCS#12 password and the error code a validator
    must give (null for ``valid``).
    """
    base = _nuc_url(nuc_url)
    moment = now()
    if bin_ and not org:
        org = "ТОО «Тестовая организация»"
    windows: dict[str, tuple[datetime | None, datetime | None, str | None]] = {
        "valid": (None, None, None),
        "expired": (moment - timedelta(days=400), moment - timedelta(days=1), "CERT_EXPIRED"),
        "not_yet_valid": (moment + timedelta(days=30), moment + timedelta(days=395), "CERT_NOT_YET_VALID"),
        "revoked": (None, None, "CERT_REVOKED"),
    }
    manifest: dict[str, Any] = {"iin": iin, "bin": bin_, "nuc_url": base, "created_at": moment.isoformat()}
    entries: dict[str, Any] = {}
    try:
        with httpx.Client(base_url=base, timeout=60.0) as client:
            for folder, (not_before, not_after, expected) in windows.items():
                payload = _payload(
                    iin=iin,
                    bin_=bin_,
                    surname=surname,
                    name=name,
                    org=org,
                    roles=[],
                    system_id=None,
                    not_before=not_before,
                    not_after=not_after,
                )
                body = _api(client, "POST", "/api/certificates", payload)
                if folder == "revoked":
                    _api(
                        client,
                        "POST",
                        f"/api/certificates/{body['serial']}/revoke",
                        {"reason": "key_compromise"},
                    )
                _write_issued(out / folder, body)
                entries[folder] = {
                    "serial": body["serial"],
                    "subject": body["subject"],
                    "not_before": body["not_before"],
                    "not_after": body["not_after"],
                    "pkcs12_password": body["pkcs12_password"],
                    "expected_error": expected,
                }
            entries["unknown_ca"] = _unknown_ca_fixture(
                out / "unknown_ca", iin, bin_, surname, name, org, base
            )
    except (CliError, KitError) as exc:
        raise _fail(str(exc)) from exc
    manifest["fixtures"] = entries
    write_atomic(out / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2).encode())
    table = Table(title=f"Fixtures in {out}")
    for column in ("folder", "serial", "expected error", "PKCS#12 password"):
        table.add_column(column)
    for folder, entry in entries.items():
        table.add_row(folder, entry["serial"], entry["expected_error"] or "—", entry["pkcs12_password"])
    console.print(table)


def _unknown_ca_fixture(
    out: Path, iin: str, bin_: str | None, surname: str, name: str, org: str | None, nuc_url: str
) -> dict[str, Any]:
    """A certificate from a throwaway CA nobody trusts (its own root and issuing CA, generated here)."""
    root = build_root_ca("UNKNOWN TEST ROOT", organisation="Unknown CA (test)")
    issuing = build_issuing_ca(
        root.private_key, root.certificate, "UNKNOWN TEST ISSUING CA", organisation="Unknown CA (test)"
    )
    spec = SubjectSpec(
        kind="employee" if bin_ else "individual",
        iin=iin,
        bin=bin_,
        surname=surname,
        given_name=name,
        organisation=org if bin_ else None,
    )
    pair = issue_key_pair(
        issuing, spec, crl_url=f"{nuc_url}/crl/issuing.crl", ocsp_url=f"{nuc_url}/ocsp", check_digits=True
    )
    password = secrets.token_urlsafe(12)
    pair.save(out, password=password.encode())
    return {
        "serial": format(pair.certificate.serial_number, "x"),
        "subject": format_name(pair.certificate.subject),
        "not_before": pair.certificate.not_valid_before_utc.isoformat(),
        "not_after": pair.certificate.not_valid_after_utc.isoformat(),
        "pkcs12_password": password,
        "expected_error": "CERT_UNTRUSTED",
    }


def load_fixture(directory: Path) -> KeyPair:
    """A fixture key store written by ``egov pki fixtures`` or ``egov pki issue``."""
    return KeyPair.load(directory)
