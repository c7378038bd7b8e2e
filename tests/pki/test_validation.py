"""CertificateValidator against nuc-mock's real app (OCSP and CRL bytes are the real protocol).

Failure modes (responder down, forged answers, stale CRLs) are put in front of the app with
``FaultyTransport``; time moves through ``egov_kit.clock``.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from cryptography.x509 import ocsp
from egov_kit.clock import get_clock, now
from egov_kit.pki import (
    CertificateExpired,
    CertificateNotYetValid,
    CertificateRevoked,
    CertificateStatusUnknown,
    CertificateUntrusted,
    CertificateValidator,
    SubjectSpec,
)
from egov_kit.pki.issue import build_issuing_ca, issue_key_pair

from tests.pki.support import (
    BIN,
    IIN_2,
    FaultyTransport,
    Nuc,
    crl_response,
    local_leaf,
    ocsp_response,
    rogue_ca,
)

# --- chain and dates ---------------------------------------------------------------------------


async def test_valid_certificate_gives_its_identity(nuc: Nuc) -> None:
    issued = await nuc.issue(iin=IIN_2)
    async with nuc.validator() as validator:
        identity = await validator.validate(issued.cert)
    assert identity.kind == "individual"
    assert identity.iin == IIN_2
    assert identity.serial_number == issued.cert.serial_number
    assert validator.stats.ocsp_requests == 1
    assert validator.stats.crl_fetches == 0


async def test_valid_ec_employee_certificate(nuc: Nuc) -> None:
    issued = await nuc.issue(
        kind="employee", bin=BIN, organisation="ТОО «Тест»", roles=["first_head"], key_type="ec"
    )
    async with nuc.validator() as validator:
        identity = await validator.validate(issued.cert)
    assert (identity.kind, identity.bin) == ("employee", BIN)
    assert "first_head" in identity.roles


async def test_revocation_status_source(nuc: Nuc) -> None:
    issued = await nuc.issue()
    async with nuc.validator() as validator:
        first = await validator.revocation_status(issued.cert, nuc.issuing.certificate)
        second = await validator.revocation_status(issued.cert, nuc.issuing.certificate)
    assert (first.status, first.source) == ("good", "ocsp")
    assert (second.status, second.source) == ("good", "ocsp-cache")


async def test_expired(nuc: Nuc) -> None:
    issued = await nuc.issue(not_before=now() - timedelta(days=400), not_after=now() - timedelta(days=1))
    async with nuc.validator() as validator:
        with pytest.raises(CertificateExpired) as caught:
            await validator.validate(issued.cert)
        assert caught.value.code == "CERT_EXPIRED"
        # At a moment inside its validity it was fine.
        identity = await validator.validate(issued.cert, at=now() - timedelta(days=30))
        assert identity.iin is not None


async def test_not_yet_valid(nuc: Nuc) -> None:
    issued = await nuc.issue(not_before=now() + timedelta(days=30), not_after=now() + timedelta(days=400))
    async with nuc.validator() as validator:
        with pytest.raises(CertificateNotYetValid) as caught:
            await validator.validate(issued.cert)
    assert caught.value.code == "CERT_NOT_YET_VALID"


async def test_expiry_follows_the_shared_clock(nuc: Nuc) -> None:
    issued = await nuc.issue()
    get_clock().shift(timedelta(days=400))
    async with nuc.validator() as validator:
        with pytest.raises(CertificateExpired):
            await validator.validate(issued.cert)


async def test_unknown_ca_is_untrusted(nuc: Nuc) -> None:
    rogue = rogue_ca()
    leaf = local_leaf(rogue.issuing)
    async with nuc.validator() as validator:
        with pytest.raises(CertificateUntrusted) as caught:
            await validator.validate(leaf.certificate, extra_chain=leaf.chain)
    assert caught.value.code == "CERT_UNTRUSTED"
    assert validator.stats.ocsp_requests == 0


async def test_forged_ca_with_the_same_names_is_untrusted(nuc: Nuc) -> None:
    forged = rogue_ca(same_names_as=nuc)
    leaf = local_leaf(forged.issuing)
    assert leaf.certificate.issuer == nuc.issuing.certificate.subject
    async with nuc.validator() as validator:
        with pytest.raises(CertificateUntrusted, match="signature does not verify"):
            await validator.validate(leaf.certificate, extra_chain=leaf.chain)


async def test_broken_chain_without_the_issuing_ca(nuc: Nuc) -> None:
    issued = await nuc.issue()
    only_root = CertificateValidator([nuc.root.certificate], transport=nuc.transport)
    async with only_root:
        with pytest.raises(CertificateUntrusted, match="no trusted or known CA"):
            await only_root.validate(issued.cert)
        # The chain the sender attached completes it.
        identity = await only_root.validate(issued.cert, extra_chain=issued.pair.chain)
    assert identity.iin == issued.pair.identity().iin


async def test_issuer_that_is_not_a_ca_is_untrusted(nuc: Nuc) -> None:
    holder = await nuc.issue()
    # A certificate "issued" by an end-entity certificate (which is signed by the real issuing CA).
    sub = issue_key_pair(holder.pair, SubjectSpec("individual", iin=IIN_2, surname="A", given_name="B"))
    async with nuc.validator() as validator:
        with pytest.raises(CertificateUntrusted, match="not a CA"):
            await validator.validate(sub.certificate, extra_chain=[holder.cert])


async def test_path_length_is_enforced(nuc: Nuc) -> None:
    # The issuing CA has pathLen 0: a sub-CA below it may not issue.
    sub_ca = build_issuing_ca(nuc.issuing.private_key, nuc.issuing.certificate, "SUB CA")
    leaf = local_leaf(sub_ca)
    async with nuc.validator() as validator:
        with pytest.raises(CertificateUntrusted, match="intermediate CAs"):
            await validator.validate(leaf.certificate, extra_chain=[sub_ca.certificate])


async def test_a_ca_certificate_is_not_an_end_entity(nuc: Nuc) -> None:
    async with nuc.validator() as validator:
        with pytest.raises(CertificateUntrusted, match="CA certificate"):
            await validator.validate(nuc.issuing.certificate)


# --- revocation: OCSP --------------------------------------------------------------------------


async def test_revoked_via_ocsp(nuc: Nuc) -> None:
    issued = await nuc.issue()
    await nuc.revoke(issued.serial, "key_compromise")
    faulty = FaultyTransport(nuc.transport, {"/crl": "down"})  # proves the CRL is not needed
    async with nuc.validator(faulty) as validator:
        with pytest.raises(CertificateRevoked) as caught:
            await validator.validate(issued.cert)
    assert caught.value.code == "CERT_REVOKED"
    assert "keyCompromise" in caught.value.message
    assert validator.stats.crl_fetches == 0


async def test_revoked_certificate_was_good_before_its_revocation(nuc: Nuc) -> None:
    issued = await nuc.issue(not_before=now() - timedelta(days=1))
    await nuc.revoke(issued.serial)
    async with nuc.validator() as validator:
        identity = await validator.validate(issued.cert, at=now() - timedelta(minutes=5))
    assert identity.serial_number == issued.cert.serial_number


async def test_ocsp_good_answers_are_cached_for_a_short_ttl(nuc: Nuc) -> None:
    issued = await nuc.issue()
    async with nuc.validator(ocsp_cache_ttl=timedelta(seconds=60)) as validator:
        await validator.validate(issued.cert)
        await validator.validate(issued.cert)
        assert (validator.stats.ocsp_requests, validator.stats.ocsp_cache_hits) == (1, 1)
        get_clock().shift(timedelta(seconds=61))
        await validator.validate(issued.cert)
        assert validator.stats.ocsp_requests == 2


async def test_concurrent_validations_share_one_ocsp_request(nuc: Nuc) -> None:
    issued = await nuc.issue()
    async with nuc.validator() as validator:
        identities = await asyncio.gather(*(validator.validate(issued.cert) for _ in range(20)))
    assert len({i.fingerprint_sha256 for i in identities}) == 1
    assert validator.stats.ocsp_requests == 1


async def test_repeated_validations_ask_ocsp_once(nuc: Nuc) -> None:
    """The gateway validates every message's signer: the OCSP answer is cached (speed: `make bench`)."""
    issued = await nuc.issue()
    async with nuc.validator() as validator:
        for _ in range(50):
            await validator.validate(issued.cert)
    assert validator.stats.ocsp_requests == 1


async def test_ocsp_answer_signed_by_the_issuer_itself(tmp_path: Path) -> None:
    nuc = Nuc.start(tmp_path, ocsp_signer="issuer")
    issued = await nuc.issue()
    async with nuc.validator(FaultyTransport(nuc.transport, {"/crl": "down"})) as validator:
        await validator.validate(issued.cert)
        await nuc.revoke(issued.serial)
        validator.clear_caches()
        with pytest.raises(CertificateRevoked):
            await validator.validate(issued.cert)
    assert validator.stats.ocsp_rejected == 0


async def test_ocsp_signed_by_a_wrong_key_is_rejected(nuc: Nuc) -> None:
    """A forged 'good' for a revoked certificate: signed by a rogue responder. The CRL catches it."""
    issued = await nuc.issue()
    await nuc.revoke(issued.serial)
    rogue = rogue_ca(same_names_as=nuc)

    def forged(request: httpx.Request) -> httpx.Response:
        return ocsp_response(request, signer=rogue.responder)

    async with nuc.validator(FaultyTransport(nuc.transport, {"/ocsp": forged})) as validator:
        with pytest.raises(CertificateRevoked):
            await validator.validate(issued.cert)
    assert validator.stats.ocsp_rejected == 1
    assert validator.stats.crl_fetches == 1


async def test_ocsp_signed_by_the_ca_of_the_same_name_but_other_key_is_rejected(nuc: Nuc) -> None:
    issued = await nuc.issue()
    forged_issuer = rogue_ca(same_names_as=nuc).issuing

    def forged(request: httpx.Request) -> httpx.Response:
        return ocsp_response(request, signer=forged_issuer, include_signer=False)

    transport = FaultyTransport(nuc.transport, {"/ocsp": forged, "/crl": "down"})
    async with nuc.validator(transport) as validator:
        with pytest.raises(CertificateStatusUnknown):
            await validator.validate(issued.cert)
    assert validator.stats.ocsp_rejected == 1


async def test_ocsp_responder_not_authorised_for_ocsp_signing_is_rejected(nuc: Nuc) -> None:
    """An ordinary certificate of the real CA cannot sign OCSP answers."""
    ordinary = await nuc.issue()
    issued = await nuc.issue()

    def answer(request: httpx.Request) -> httpx.Response:
        return ocsp_response(request, signer=ordinary.pair)

    transport = FaultyTransport(nuc.transport, {"/ocsp": answer, "/crl": "down"})
    async with nuc.validator(transport) as validator:
        with pytest.raises(CertificateStatusUnknown):
            await validator.validate(issued.cert)
    assert validator.stats.ocsp_rejected == 1


@pytest.mark.parametrize(
    "variant",
    ["other_serial", "stale", "future", "wrong_nonce"],
)
async def test_odd_ocsp_answers_are_rejected(nuc: Nuc, variant: str) -> None:
    issued = await nuc.issue()
    moment = now()
    options: dict[str, object] = {
        "other_serial": {"serial_delta": 1},
        "stale": {"this_update": moment - timedelta(hours=2), "next_update": moment - timedelta(hours=1)},
        "future": {"this_update": moment + timedelta(hours=1), "next_update": moment + timedelta(hours=2)},
        "wrong_nonce": {"nonce": b"0123456789abcdef"},
    }[variant]  # type: ignore[assignment]

    def answer(request: httpx.Request) -> httpx.Response:
        return ocsp_response(request, signer=nuc.issuing, include_signer=False, **options)  # type: ignore[arg-type]

    async with nuc.validator(FaultyTransport(nuc.transport, {"/ocsp": answer})) as validator:
        identity = await validator.validate(issued.cert)  # good through the CRL
    assert identity.serial_number == issued.cert.serial_number
    assert validator.stats.ocsp_rejected == 1
    assert validator.stats.crl_fetches == 1


async def test_ocsp_answer_without_nonce_is_accepted(nuc: Nuc) -> None:
    issued = await nuc.issue()

    def answer(request: httpx.Request) -> httpx.Response:
        return ocsp_response(request, signer=nuc.service.ca.ocsp_responder, nonce=None)

    async with nuc.validator(FaultyTransport(nuc.transport, {"/ocsp": answer, "/crl": "down"})) as validator:
        await validator.validate(issued.cert)
    assert validator.stats.ocsp_rejected == 0


async def test_ocsp_unknown_falls_back_to_the_crl(nuc: Nuc) -> None:
    # Signed with the real CA key but never recorded by nuc-mock: OCSP says unknown (RFC 6960 2.2).
    leaf = local_leaf(nuc.issuing)
    async with nuc.validator() as validator:
        await validator.validate(leaf.certificate)
    assert validator.stats.crl_fetches == 1


# --- revocation: CRL fallback ------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["down", 503, 500])
async def test_revoked_via_crl_when_ocsp_is_down(nuc: Nuc, fault: str | int) -> None:
    issued = await nuc.issue()
    await nuc.revoke(issued.serial, "affiliation_changed")
    async with nuc.validator(FaultyTransport(nuc.transport, {"/ocsp": fault})) as validator:
        with pytest.raises(CertificateRevoked, match="affiliationChanged"):
            await validator.validate(issued.cert)
    assert validator.stats.ocsp_failures == 1
    assert validator.stats.crl_fetches == 1


async def test_malformed_ocsp_body_falls_back_to_crl(nuc: Nuc) -> None:
    issued = await nuc.issue()

    def garbage(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"\x30\x03garbage")

    async with nuc.validator(FaultyTransport(nuc.transport, {"/ocsp": garbage})) as validator:
        await validator.validate(issued.cert)
    assert validator.stats.ocsp_rejected == 1


async def test_crl_is_cached_in_memory_and_on_disk_until_next_update(nuc: Nuc, tmp_path: Path) -> None:
    issued = await nuc.issue()
    cache = tmp_path / "crl-cache"
    async with nuc.validator(FaultyTransport(nuc.transport, {"/ocsp": "down"}), crl_cache_dir=cache) as first:
        await first.validate(issued.cert)
        await first.validate(issued.cert)
        assert (first.stats.crl_fetches, first.stats.crl_cache_hits) == (1, 1)
    assert len(list(cache.glob("*.crl"))) == 1
    # Another process (validator) with the same cache directory and no network at all.
    offline = FaultyTransport(nuc.transport, {"/ocsp": "down", "/crl": "down"})
    async with nuc.validator(offline, crl_cache_dir=cache) as second:
        await second.validate(issued.cert)
    assert second.stats.crl_fetches == 0


async def test_stale_crl_is_refetched(fresh_nuc: Nuc) -> None:
    nuc = fresh_nuc
    issued = await nuc.issue()
    async with nuc.validator(FaultyTransport(nuc.transport, {"/ocsp": "down"})) as validator:
        await validator.validate(issued.cert)
        await nuc.revoke(issued.serial)
        # The cached CRL is still fresh (nextUpdate one hour ahead): the revocation is not seen yet.
        await validator.validate(issued.cert)
        assert validator.stats.crl_fetches == 1
        get_clock().shift(timedelta(hours=1, minutes=1))
        with pytest.raises(CertificateRevoked):
            await validator.validate(issued.cert)
        assert validator.stats.crl_fetches == 2


async def test_stale_crl_is_used_for_a_grace_period_when_refetch_fails(fresh_nuc: Nuc) -> None:
    nuc = fresh_nuc
    issued = await nuc.issue()
    faulty = FaultyTransport(nuc.transport, {"/ocsp": "down"})
    async with nuc.validator(faulty, crl_grace=timedelta(hours=24)) as validator:
        await validator.validate(issued.cert)
        faulty.faults["/crl"] = "down"
        get_clock().shift(timedelta(hours=3))
        await validator.validate(issued.cert)
        assert validator.stats.crl_stale_used == 1
        get_clock().shift(timedelta(hours=23))
        with pytest.raises(CertificateStatusUnknown):
            await validator.validate(issued.cert)


async def test_crl_signed_by_a_wrong_key_is_ignored(nuc: Nuc) -> None:
    issued = await nuc.issue()
    forged_issuer = rogue_ca(same_names_as=nuc).issuing

    def forged(_request: httpx.Request) -> httpx.Response:
        return crl_response(forged_issuer)

    async with nuc.validator(FaultyTransport(nuc.transport, {"/ocsp": "down", "/crl": forged})) as validator:
        with pytest.raises(CertificateStatusUnknown):
            await validator.validate(issued.cert)
    assert validator.stats.crl_fetch_failures == 1


async def test_ocsp_and_crl_both_unavailable(nuc: Nuc) -> None:
    issued = await nuc.issue()
    async with nuc.validator(FaultyTransport(nuc.transport, {"/ocsp": "down", "/crl": 404})) as validator:
        with pytest.raises(CertificateStatusUnknown) as caught:
            await validator.validate(issued.cert)
    assert caught.value.code == "CERT_STATUS_UNKNOWN"


async def test_no_ocsp_and_no_crl_in_the_certificate(nuc: Nuc) -> None:
    leaf = local_leaf(nuc.issuing, urls=False)
    async with nuc.validator() as validator:
        with pytest.raises(CertificateStatusUnknown, match="neither an OCSP responder nor a CRL"):
            await validator.validate(leaf.certificate)


async def test_mock_transport_only(nuc: Nuc) -> None:
    """The seam works with a bare httpx.MockTransport too (no nuc-mock behind it)."""
    leaf = local_leaf(nuc.issuing)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/ocsp":
            return ocsp_response(request, signer=nuc.issuing, status=ocsp.OCSPCertStatus.REVOKED)
        return httpx.Response(404)

    async with nuc.validator(httpx.MockTransport(handler)) as validator:
        with pytest.raises(CertificateRevoked):
            await validator.validate(leaf.certificate)


def test_validate_sync(nuc: Nuc) -> None:
    leaf = local_leaf(nuc.issuing)

    def handler(request: httpx.Request) -> httpx.Response:
        return ocsp_response(request, signer=nuc.issuing, include_signer=False)

    validator = nuc.validator(httpx.MockTransport(handler))
    assert validator.validate_sync(leaf.certificate).iin == leaf.identity().iin
    assert validator.validate_sync(leaf.certificate).iin == leaf.identity().iin
    assert validator.stats.ocsp_requests == 1


async def test_validate_sync_refuses_a_running_loop(nuc: Nuc) -> None:
    with pytest.raises(RuntimeError):
        nuc.validator().validate_sync(nuc.issuing.certificate)
