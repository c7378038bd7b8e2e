"""Notary HTTP API of enis-mock: register, revoke, read; validation; seeding."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from egov_kit.shep.provider import ShepContext
from enis_mock.adapters.xml_body import NS, build_request
from enis_mock.domain.test_powers_of_attorney import (
    PRINCIPAL_IIN,
    REPRESENTATIVE_IIN,
    REVOKED_NUMBER,
    VALID_NUMBER,
    seeded_powers_of_attorney,
)
from enis_mock.entrypoints.app import create_app
from enis_mock.service_layer.handlers import seed_test_powers_of_attorney
from enis_mock.settings import Settings
from fastapi import FastAPI
from fastapi.testclient import TestClient

ADULT_ZKO_IIN = "920205490157"
ADULT_IIN = "880412390017"


def body(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "principal_iin": ADULT_ZKO_IIN,
        "representative_iin": ADULT_IIN,
        "notary": {
            "full_name": "Тлеуова Гульмира Сериковна",
            "licence_number": "0001847",
            "office_id": "750214491019",
        },
        "issue_date": "2025-03-01",
        "valid_until": "2030-03-01",
        "scope": ["RSHEP_S10"],
        "scope_text": "Справка о получении АСП / АӘК алушы туралы анықтама",
    }
    data.update(extra)
    return data


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert all(response.json()["checks"].values())


def test_read_seeded(client: TestClient) -> None:
    valid = client.get(f"/notary/powers-of-attorney/{VALID_NUMBER}").json()
    assert valid["principal_iin"] == PRINCIPAL_IIN and valid["representative_iin"] == REPRESENTATIVE_IIN
    assert valid["status"]["code"] == "1" and valid["scope"] == ["ALL"]
    revoked = client.get(f"/notary/powers-of-attorney/{REVOKED_NUMBER}").json()
    assert revoked["revoked"] is True and revoked["revoked_at"].startswith("2024-09-10T11:30:00")
    missing = client.get("/notary/powers-of-attorney/POA-1999-000000")
    assert missing.status_code == 404 and missing.json()["error"] == "POWER_OF_ATTORNEY_NOT_FOUND"


def test_register_with_and_without_number(client: TestClient) -> None:
    created = client.post("/notary/powers-of-attorney", json=body(number="POA-TEST-000777"))
    assert created.status_code == 201, created.text
    assert created.json()["number"] == "POA-TEST-000777"
    assert created.json()["status"]["name_kz"] == "Күшінде"
    generated = client.post("/notary/powers-of-attorney", json=body())
    assert generated.status_code == 201
    another = client.post("/notary/powers-of-attorney", json=body())
    assert generated.json()["number"].startswith("POA-")
    assert another.json()["number"] != generated.json()["number"]
    duplicate = client.post("/notary/powers-of-attorney", json=body(number="POA-TEST-000777"))
    assert duplicate.status_code == 409 and duplicate.json()["error"] == "DUPLICATE_POWER_OF_ATTORNEY"


def test_register_validation(client: TestClient) -> None:
    cases = [
        (body(principal_iin="920205490150"), "INVALID_IIN_BIN"),
        (body(representative_iin="1234"), "INVALID_IIN_BIN"),
        (body(representative_iin=ADULT_ZKO_IIN), "SAME_PERSON"),
        (body(valid_until="2025-02-28"), "INVALID_DATES"),
        (body(issue_date="2999-01-01", valid_until="2999-12-31"), "INVALID_DATES"),
        (body(scope=[]), "INVALID_SCOPE"),
        (
            body(notary={"full_name": "X", "licence_number": "1", "office_id": "090540011230"}),
            "INVALID_IIN_BIN",
        ),
    ]
    for data, expected in cases:
        response = client.post("/notary/powers-of-attorney", json=data)
        assert response.status_code == 400, (expected, response.text)
        assert response.json()["error"] == expected
    assert client.post("/notary/powers-of-attorney", json=body(number="bad number!")).status_code == 422


def test_revoke_then_the_shep_service_answers_revoked(
    enis_app: FastAPI, client: TestClient, context: ShepContext
) -> None:
    number = client.post("/notary/powers-of-attorney", json=body(scope=["ALL"])).json()["number"]
    handler = enis_app.state.shep_handlers["ENIS_PowerOfAttorneySync"]
    result = f"{{{NS}}}result/{{{NS}}}code"
    assert handler(build_request(number, ADULT_ZKO_IIN, ADULT_IIN), context).findtext(result) == "VALID"
    revoked = client.post(f"/notary/powers-of-attorney/{number}/revoke", json={"reason": "по заявлению"})
    assert revoked.status_code == 200
    assert revoked.json()["revoked"] is True and revoked.json()["status"]["code"] == "3"
    assert handler(build_request(number, ADULT_ZKO_IIN, ADULT_IIN), context).findtext(result) == "REVOKED"
    again = client.post(f"/notary/powers-of-attorney/{number}/revoke")
    assert again.status_code == 409 and again.json()["error"] == "ALREADY_REVOKED"
    missing = client.post("/notary/powers-of-attorney/POA-1999-000000/revoke")
    assert missing.status_code == 404


def test_seeding_is_idempotent(tmp_path: Path) -> None:
    for _ in range(2):
        app = create_app(Settings(var_dir=tmp_path), serve_shep=False)
        with TestClient(app) as test_client:
            for power in seeded_powers_of_attorney():
                assert test_client.get(f"/notary/powers-of-attorney/{power.number}").status_code == 200
            assert seed_test_powers_of_attorney(app.state.uow_factory) == 0  # all there already


def test_openapi_tags(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {tag["name"] for tag in spec["tags"]} >= {"health", "notary"}
    assert spec["paths"]["/notary/powers-of-attorney"]["post"]["tags"] == ["notary"]
