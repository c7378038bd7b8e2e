from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.dsig.support import self_signed


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def rsa_cert(rsa_key: rsa.RSAPrivateKey) -> x509.Certificate:
    return self_signed(rsa_key, "portal (RSA)")


@pytest.fixture(scope="session")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="session")
def ec_cert(ec_key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    return self_signed(ec_key, "portal (EC)")


@pytest.fixture(scope="session")
def other_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def other_rsa_cert(other_rsa_key: rsa.RSAPrivateKey) -> x509.Certificate:
    return self_signed(other_rsa_key, "intruder (RSA)")


@pytest.fixture(scope="session", params=["rsa", "ec"])
def signer(
    request: pytest.FixtureRequest,
    rsa_key: rsa.RSAPrivateKey,
    rsa_cert: x509.Certificate,
    ec_key: ec.EllipticCurvePrivateKey,
    ec_cert: x509.Certificate,
) -> tuple[rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, x509.Certificate]:
    return (rsa_key, rsa_cert) if request.param == "rsa" else (ec_key, ec_cert)
