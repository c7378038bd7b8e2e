"""Trust store download/cache and an information system's enrolment at start-up."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from egov_kit.clock import get_clock
from egov_kit.pki import (
    EnrolmentFailed,
    KeyPair,
    SubjectSpec,
    TrustStore,
    TrustStoreUnavailable,
    ensure_identity,
    ensure_system_identity,
    fetch_trust,
    load_trust,
    system_dir,
)
from egov_kit.pki.issue import issue_key_pair

from tests.pki.support import BIN, BIN_2, IIN, NUC_URL, FaultyTransport, Nuc, rogue_ca


async def test_fetch_trust_downloads_once_and_caches(nuc: Nuc, tmp_path: Path) -> None:
    counting = FaultyTransport(nuc.transport)
    trust = await fetch_trust(NUC_URL, tmp_path, transport=counting)
    assert trust.root == nuc.root.certificate
    assert trust.issuing == nuc.issuing.certificate
    assert counting.calls == ["/ca/root.pem", "/ca/issuing.pem"]
    assert (tmp_path / "pki" / "trust" / "root.pem").is_file()
    again = await fetch_trust(NUC_URL, tmp_path, transport=FaultyTransport(nuc.transport, {"/": "down"}))
    assert again == trust
    assert load_trust(tmp_path) == trust
    refreshed = await fetch_trust(NUC_URL, tmp_path, refresh=True, transport=counting)
    assert refreshed == trust
    assert len(counting.calls) == 4


async def test_trust_unavailable(nuc: Nuc, tmp_path: Path) -> None:
    with pytest.raises(TrustStoreUnavailable):
        load_trust(tmp_path)
    with pytest.raises(TrustStoreUnavailable) as caught:
        await fetch_trust(NUC_URL, tmp_path, transport=FaultyTransport(nuc.transport, {"/": "down"}))
    assert caught.value.code == "PKI_TRUST_UNAVAILABLE"
    with pytest.raises(TrustStoreUnavailable):
        await fetch_trust(NUC_URL, tmp_path, transport=FaultyTransport(nuc.transport, {"/ca/issuing": 404}))


def test_trust_store_checks_its_own_chain(nuc: Nuc) -> None:
    rogue = rogue_ca()
    with pytest.raises(TrustStoreUnavailable):
        TrustStore(nuc.root.certificate, rogue.issuing.certificate)
    with pytest.raises(TrustStoreUnavailable):
        TrustStore(nuc.issuing.certificate, nuc.issuing.certificate)


async def test_ensure_system_identity_enrols_once(nuc: Nuc, tmp_path: Path) -> None:
    counting = FaultyTransport(nuc.transport)
    pair = await ensure_system_identity(
        "GBDFL", bin=BIN, organisation="АО «НИТ»", nuc_url=NUC_URL, var_dir=tmp_path, transport=counting
    )
    identity = pair.identity()
    assert (identity.kind, identity.system_id, identity.bin, identity.organisation) == (
        "system",
        "GBDFL",
        BIN,
        "АО «НИТ»",
    )
    directory = system_dir(tmp_path, "GBDFL")
    assert directory == tmp_path / "pki" / "systems" / "GBDFL"
    assert KeyPair.exists(directory)
    assert counting.calls == ["/api/certificates"]
    again = await ensure_system_identity(
        "GBDFL", bin=BIN, organisation="АО «НИТ»", nuc_url=NUC_URL, var_dir=tmp_path, transport=counting
    )
    assert again.certificate == pair.certificate
    assert counting.calls == ["/api/certificates"]
    # nuc-mock recorded it and its validator accepts it (the key never left this process).
    async with nuc.validator() as validator:
        assert (await validator.validate(pair.certificate)).system_id == "GBDFL"
    async with nuc.client() as client:
        record = (await client.get(f"/api/certificates/{identity.serial_hex}")).json()
    assert record["system_id"] == "GBDFL"


async def test_ensure_system_identity_renews_near_expiry_or_on_change(nuc: Nuc, tmp_path: Path) -> None:
    first = await ensure_system_identity(
        "ENIS", bin=BIN, organisation="Org", nuc_url=NUC_URL, var_dir=tmp_path, transport=nuc.transport
    )
    get_clock().shift(timedelta(days=360))  # within a week of the end of a one-year certificate
    renewed = await ensure_system_identity(
        "ENIS", bin=BIN, organisation="Org", nuc_url=NUC_URL, var_dir=tmp_path, transport=nuc.transport
    )
    assert renewed.certificate != first.certificate
    other_bin = await ensure_system_identity(
        "ENIS", bin=BIN_2, organisation="Org", nuc_url=NUC_URL, var_dir=tmp_path, transport=nuc.transport
    )
    assert other_bin.identity().bin == BIN_2
    assert KeyPair.load(system_dir(tmp_path, "ENIS")).certificate == other_bin.certificate


async def test_ensure_system_identity_replaces_a_certificate_of_another_ca(nuc: Nuc, tmp_path: Path) -> None:
    await fetch_trust(NUC_URL, tmp_path, transport=nuc.transport)
    rogue = rogue_ca()
    issue_key_pair(rogue.issuing, SubjectSpec("system", bin=BIN, organisation="Org", system_id="PHC")).save(
        system_dir(tmp_path, "PHC")
    )
    pair = await ensure_system_identity(
        "PHC", bin=BIN, organisation="Org", nuc_url=NUC_URL, var_dir=tmp_path, transport=nuc.transport
    )
    pair.certificate.verify_directly_issued_by(nuc.issuing.certificate)


async def test_enrolment_failures_are_named(nuc: Nuc, tmp_path: Path) -> None:
    down = FaultyTransport(nuc.transport, {"/": "down"})
    with pytest.raises(EnrolmentFailed) as caught:
        await ensure_system_identity(
            "X",
            bin=BIN,
            organisation="Org",
            nuc_url=NUC_URL,
            var_dir=tmp_path,
            transport=down,
            wait_seconds=0.6,
        )
    assert caught.value.code == "PKI_ENROLMENT_FAILED"
    assert len(down.calls) >= 2  # retried while waiting
    with pytest.raises(EnrolmentFailed, match="INVALID_IIN_BIN"):
        await ensure_system_identity(
            "X",
            bin="100140000014",
            organisation="Org",
            nuc_url=NUC_URL,
            var_dir=tmp_path,
            transport=nuc.transport,
        )
    with pytest.raises(EnrolmentFailed):
        system_dir(tmp_path, "../etc")


async def test_unreachable_real_network_is_a_named_error(tmp_path: Path) -> None:
    with pytest.raises(TrustStoreUnavailable):
        await fetch_trust("http://127.0.0.1:9", tmp_path)
    transport = httpx.MockTransport(lambda request: httpx.Response(500))
    with pytest.raises(EnrolmentFailed):
        await ensure_system_identity(
            "X",
            bin=BIN,
            organisation="O",
            nuc_url=NUC_URL,
            var_dir=tmp_path,
            transport=transport,
            wait_seconds=0,
        )


async def test_ensure_identity_enrols_an_employee_and_reuses_it_while_it_fits(
    nuc: Nuc, tmp_path: Path
) -> None:
    await fetch_trust(NUC_URL, tmp_path, transport=nuc.transport)
    counting = FaultyTransport(nuc.transport)
    subject = SubjectSpec(
        "employee",
        iin=IIN,
        bin=BIN,
        surname="Иванов",
        given_name="Иван",
        organisation="ГКП «Поликлиника»",
        roles=frozenset({"right_of_signature"}),
    )
    directory = tmp_path / "signers" / "ORG-1"
    pair = await ensure_identity(
        subject, directory=directory, nuc_url=NUC_URL, var_dir=tmp_path, key_kind="ec", transport=counting
    )
    identity = pair.identity()
    assert (identity.kind, identity.iin, identity.bin) == ("employee", IIN, BIN)
    assert "right_of_signature" in identity.roles
    assert KeyPair.load(directory).certificate == pair.certificate
    assert counting.calls == ["/api/certificates"]
    again = await ensure_identity(
        subject, directory=directory, nuc_url=NUC_URL, var_dir=tmp_path, key_kind="ec", transport=counting
    )
    assert again.certificate == pair.certificate and counting.calls == ["/api/certificates"]
    # Asked with a role the stored certificate lacks, or for another organisation: enrolled again.
    hr = replace(subject, roles=frozenset({"hr"}))
    renewed = await ensure_identity(hr, directory=directory, nuc_url=NUC_URL, transport=counting)
    assert renewed.certificate != pair.certificate and "hr" in renewed.identity().roles
    moved = await ensure_identity(
        replace(hr, bin=BIN_2), directory=directory, nuc_url=NUC_URL, transport=counting
    )
    assert moved.identity().bin == BIN_2
    assert len(counting.calls) == 3


async def test_ensure_identity_with_a_client_of_the_caller(nuc: Nuc, tmp_path: Path) -> None:
    subject = SubjectSpec("individual", iin=IIN, surname="Иванов", given_name="Иван")
    async with httpx.AsyncClient(transport=nuc.transport, base_url=NUC_URL) as client:
        pair = await ensure_identity(subject, directory=tmp_path / "adult", nuc_url=NUC_URL, client=client)
    assert (pair.identity().kind, pair.identity().iin) == ("individual", IIN)
    refusing = httpx.MockTransport(lambda _request: httpx.Response(422, json={"error": "INVALID_SUBJECT"}))
    async with httpx.AsyncClient(transport=refusing) as client:
        with pytest.raises(EnrolmentFailed, match="INVALID_SUBJECT"):
            await ensure_identity(subject, directory=tmp_path / "other", nuc_url=NUC_URL, client=client)
