"""Key stores: a private key, its certificate and the chain above it, as PEM files or PKCS#12.

A :class:`KeyPair` saved to a directory is three PEM files (``key.pem`` mode 0600, ``cert.pem``,
``chain.pem`` holding the issuing CA then the root) and, when a password is given, ``keystore.p12``
with all of them (the form НУЦ РК hands out). Files are written atomically (temporary file + rename),
so a reader never sees half a key store.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from egov_kit.pki.errors import KeyStoreError
from egov_kit.pki.profile import CertificateIdentity, identity_from_certificate

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey

KEY_FILE = "key.pem"
CERT_FILE = "cert.pem"
CHAIN_FILE = "chain.pem"
PKCS12_FILE = "keystore.p12"


def as_private_key(key: object) -> PrivateKey:
    """Narrow a loaded key to the kinds the landscape uses (RSA, EC)."""
    if isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        return key
    raise KeyStoreError(f"unsupported private key type {type(key).__name__} (RSA or EC expected)")


def as_public_key(key: object) -> PublicKey:
    if isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        return key
    raise KeyStoreError(f"unsupported public key type {type(key).__name__} (RSA or EC expected)")


def private_key_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_key_pem(key: PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_private_key_pem(data: bytes, password: bytes | None = None) -> PrivateKey:
    try:
        return as_private_key(serialization.load_pem_private_key(data, password=password))
    except (ValueError, TypeError) as exc:
        raise KeyStoreError(f"cannot read the private key: {exc}") from exc


def certificates_pem(certs: list[x509.Certificate]) -> bytes:
    return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in certs)


def load_certificates_pem(data: bytes) -> list[x509.Certificate]:
    if not data.strip():
        return []
    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise KeyStoreError(f"cannot read PEM certificates: {exc}") from exc


def load_certificate_file(path: Path) -> x509.Certificate:
    """One certificate from a PEM or DER file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KeyStoreError(f"cannot read {path}: {exc}") from exc
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise KeyStoreError(f"{path} holds no readable certificate: {exc}") from exc


def write_atomic(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class KeyPair:
    """A private key, its certificate and the chain above it (issuing CA first, root last)."""

    private_key: PrivateKey
    certificate: x509.Certificate
    chain: list[x509.Certificate] = field(default_factory=list)

    def __post_init__(self) -> None:
        if public_key_pem(as_public_key(self.private_key.public_key())) != public_key_pem(
            as_public_key(self.certificate.public_key())
        ):
            raise KeyStoreError("the private key does not match the certificate's public key")

    # --- PEM -------------------------------------------------------------------------------------

    def key_pem(self) -> bytes:
        return private_key_pem(self.private_key)

    def cert_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def chain_pem(self) -> bytes:
        return certificates_pem(self.chain)

    def full_chain(self) -> list[x509.Certificate]:
        """The certificate followed by its chain."""
        return [self.certificate, *self.chain]

    def identity(self) -> CertificateIdentity:
        return identity_from_certificate(self.certificate)

    @classmethod
    def from_pem(cls, key_pem: bytes, cert_pem: bytes, chain_pem: bytes = b"") -> KeyPair:
        certs = load_certificates_pem(cert_pem)
        if not certs:
            raise KeyStoreError("no certificate in the certificate PEM")
        return cls(load_private_key_pem(key_pem), certs[0], [*certs[1:], *load_certificates_pem(chain_pem)])

    # --- PKCS#12 ---------------------------------------------------------------------------------

    def to_pkcs12(self, password: bytes, *, friendly_name: bytes | None = None) -> bytes:
        encryption = (
            serialization.PrivateFormat.PKCS12.encryption_builder()
            .kdf_rounds(50_000)
            .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
            .hmac_hash(hashes.SHA256())
            .build(password)
        )
        name = friendly_name
        if name is None:
            cn = self.certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
            name = str(cn[0].value).encode() if cn else None
        return pkcs12.serialize_key_and_certificates(
            name, self.private_key, self.certificate, self.chain or None, encryption
        )

    @classmethod
    def from_pkcs12(cls, data: bytes, password: bytes | None) -> KeyPair:
        try:
            key, cert, additional = pkcs12.load_key_and_certificates(data, password)
        except ValueError as exc:
            raise KeyStoreError(f"cannot open the PKCS#12 key store: {exc}") from exc
        if key is None or cert is None:
            raise KeyStoreError("the PKCS#12 key store holds no private key and certificate")
        return cls(as_private_key(key), cert, list(additional))

    # --- directories -----------------------------------------------------------------------------

    def save(self, directory: Path | str, *, password: bytes | None = None) -> Path:
        """Write ``key.pem`` (0600), ``cert.pem``, ``chain.pem`` and, with a password, ``keystore.p12``."""
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        write_atomic(path / KEY_FILE, self.key_pem(), mode=0o600)
        write_atomic(path / CHAIN_FILE, self.chain_pem())
        if password is not None:
            write_atomic(path / PKCS12_FILE, self.to_pkcs12(password), mode=0o600)
        # The certificate last: a reader that finds cert.pem finds the rest too.
        write_atomic(path / CERT_FILE, self.cert_pem())
        return path

    @classmethod
    def exists(cls, directory: Path | str) -> bool:
        path = Path(directory)
        return (path / KEY_FILE).is_file() and (path / CERT_FILE).is_file()

    @classmethod
    def load(cls, directory: Path | str) -> KeyPair:
        path = Path(directory)
        try:
            key_pem = (path / KEY_FILE).read_bytes()
            cert_pem = (path / CERT_FILE).read_bytes()
            chain_file = path / CHAIN_FILE
            chain_pem = chain_file.read_bytes() if chain_file.exists() else b""
        except OSError as exc:
            raise KeyStoreError(f"cannot read the key store in {path}: {exc}") from exc
        return cls.from_pem(key_pem, cert_pem, chain_pem)
