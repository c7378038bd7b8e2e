"""Turning ``cryptography`` keys and certificates into ``xmlsec.Key`` objects.

Loading a key into xmlsec parses PEM each time; the gateway signs and verifies every message with a
handful of keys, so converted keys are kept in small LRU caches (measured: an RSA-2048 signature of a
2 KB envelope takes ~0.5 ms with the cache, ~1.1 ms without). A cached ``xmlsec.Key`` is never handed
out itself: every caller gets its own copy, so concurrent operations share no libxmlsec key object.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TypeAlias

import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from egov_kit.dsig.constants import ECDSA_SHA256, ECDSA_SHA384, RSA_SHA256
from egov_kit.dsig.errors import UnsupportedSignatureAlgorithm

PrivateKey: TypeAlias = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey: TypeAlias = rsa.RSAPublicKey | ec.EllipticCurvePublicKey

_CACHE_SIZE = 64
_lock = threading.Lock()
# id(private key) -> (the key object itself, its xmlsec form). Holding the object keeps its id from
# being reused by another key while the entry lives; the identity check below makes that explicit.
_private_cache: OrderedDict[int, tuple[PrivateKey, xmlsec.Key]] = OrderedDict()
# certificate DER -> xmlsec public key
_public_cache: OrderedDict[bytes, xmlsec.Key] = OrderedDict()


def signature_method_for(private_key: PrivateKey) -> str:
    """The signature method URI we use for a key: RSA → rsa-sha256, EC P-256/P-384 → ecdsa-sha256/384."""
    if isinstance(private_key, rsa.RSAPrivateKey):
        return RSA_SHA256
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        if isinstance(private_key.curve, ec.SECP256R1):
            return ECDSA_SHA256
        if isinstance(private_key.curve, ec.SECP384R1):
            return ECDSA_SHA384
        raise UnsupportedSignatureAlgorithm(f"EC curve {private_key.curve.name} is not supported")
    raise TypeError(f"unsupported private key type {type(private_key).__name__}; expected RSA or EC")


def private_xmlsec_key(private_key: PrivateKey) -> xmlsec.Key:
    """An ``xmlsec.Key`` for a ``cryptography`` RSA/EC private key (a fresh copy of a cached one)."""
    if not isinstance(private_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise TypeError(f"unsupported private key type {type(private_key).__name__}; expected RSA or EC")
    with _lock:
        entry = _private_cache.get(id(private_key))
        if entry is not None and entry[0] is private_key:
            _private_cache.move_to_end(id(private_key))
            return _copy(entry[1])
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    key = xmlsec.Key.from_memory(pem, xmlsec.constants.KeyDataFormatPem)
    with _lock:
        _private_cache[id(private_key)] = (private_key, key)
        _private_cache.move_to_end(id(private_key))
        while len(_private_cache) > _CACHE_SIZE:
            _private_cache.popitem(last=False)
    return _copy(key)


def public_xmlsec_key(certificate: x509.Certificate) -> xmlsec.Key:
    """An ``xmlsec.Key`` holding the certificate's public key (RSA or EC only)."""
    der = certificate.public_bytes(serialization.Encoding.DER)
    with _lock:
        cached = _public_cache.get(der)
        if cached is not None:
            _public_cache.move_to_end(der)
            return _copy(cached)
    public_key = certificate_public_key(certificate)
    pem = public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    key = xmlsec.Key.from_memory(pem, xmlsec.constants.KeyDataFormatPem)
    with _lock:
        _public_cache[der] = key
        while len(_public_cache) > _CACHE_SIZE:
            _public_cache.popitem(last=False)
    return _copy(key)


def certificate_public_key(certificate: x509.Certificate) -> PublicKey:
    """The certificate's RSA/EC public key, or :class:`UnsupportedSignatureAlgorithm` (e.g. GOST)."""
    try:
        public_key = certificate.public_key()
    except Exception as exc:  # cryptography raises UnsupportedAlgorithm/ValueError for GOST keys
        raise UnsupportedSignatureAlgorithm(f"certificate public key is not supported: {exc}") from exc
    if not isinstance(public_key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise UnsupportedSignatureAlgorithm(
            f"certificate public key type {type(public_key).__name__} is not supported; expected RSA or EC"
        )
    return public_key


def clear_key_caches() -> None:
    """Forget every cached xmlsec key (tests, key rotation)."""
    with _lock:
        _private_cache.clear()
        _public_cache.clear()


def _copy(key: xmlsec.Key) -> xmlsec.Key:
    return key.__copy__()
