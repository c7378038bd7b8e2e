"""Citizens of the H2 landscape tests: persons of the tests' own, added to ГБД ФЛ (its admin API),
attached to a Тараз polyclinic through the portal (H1), signing with keys from nuc-mock.

No other test uses them: their ИИН have serials 8400-8999 and birth dates of their own.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from egov_cli.replay.driver import KeyIssuer, TestPersonInfo, sign_xml
from egov_kit.identifiers import complete

ORGANISATION = "ZHM-TRZ-01"  # its section №1 serves ул. Абая of Тараз
TARAZ = "311001000"
PASSWORD = "h2-landscape-Passw0rd"
FINAL = {"done", "refused", "failed", "cancelled"}
RESULT_TIMEOUT_S = 60


@dataclass(frozen=True)
class Person:
    iin: str
    surname: str
    name: str


def _iin(birth: str, century_sex: str, serial: int) -> str | None:
    return complete(f"{birth}{century_sex}{serial:04d}")


async def add_person(gbd: httpx.AsyncClient, birth: str, century_sex: str, surname: str, name: str) -> Person:
    """Add the person to ГБД ФЛ (a serial that is free and gives a valid check digit)."""
    for serial in range(8400, 8999):
        iin = _iin(birth, century_sex, serial)
        if iin is None:
            continue
        born = date(1900 + int(birth[:2]), int(birth[2:4]), int(birth[4:6]))
        response = await gbd.post(
            "/admin/persons",
            json={
                "iin": iin,
                "surname": surname,
                "name": name,
                "birth_date": born.isoformat(),
                "reg_address": {
                    "locality": TARAZ,
                    "street_ru": "ул. Абая",
                    "street_kz": "Абай көшесі",
                    "building": "7",
                },
                "documents": [{"type": "002", "number": f"0{iin[1:9]}", "begin_date": "2020-01-10"}],
            },
        )
        if response.status_code == 409:
            continue
        assert response.status_code == 201, response.text
        return Person(iin, surname, name)
    raise AssertionError("no free ИИН for the test person")


class Citizen:
    """One person's portal session (JSON API) and signing key."""

    def __init__(self, person: Person, portal_url: str, keys: KeyIssuer) -> None:
        self.person = person
        self.http = httpx.AsyncClient(base_url=portal_url, timeout=30)
        info = TestPersonInfo("generated", person.iin, person.surname, person.name, TARAZ, None)
        self.keypair = keys.individual(info, "valid")
        self.token = ""

    async def login(self, service_id: str = "H2") -> None:
        registered = await self.http.post(
            "/api/register", json={"iin": self.person.iin, "password": PASSWORD, "phone": "+7 701 555 77 88"}
        )
        assert registered.status_code in (201, 409), registered.text
        response = await self.http.post(
            "/api/login", json={"iin": self.person.iin, "password": PASSWORD, "serviceId": service_id}
        )
        assert response.status_code == 200, response.text
        self.token = response.json()["csrf_token"]

    async def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return await self.http.post(path, json=body, headers={"X-CSRF-Token": self.token})

    def sign(self, xml: str) -> str:
        return sign_xml(xml, self.keypair)

    async def submit(self, service_id: str, draft: dict[str, Any]) -> str:
        response = await self.post(
            f"/api/applications/{service_id}",
            {"applicationId": draft["applicationId"], "signed_xml": self.sign(draft["xml"])},
        )
        assert response.status_code == 202, response.text
        return str(draft["applicationId"])

    async def wait(self, application_id: str, statuses: set[str] = FINAL) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for _ in range(RESULT_TIMEOUT_S * 2):
            body = (await self.http.get(f"/api/applications/{application_id}")).json()
            if body["status"] in statuses:
                return body
            await asyncio.sleep(0.5)
        raise AssertionError(f"{application_id}: still {body.get('status')}")

    async def form(self) -> dict[str, Any]:
        response = await self.http.get("/api/services/H2/form")
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def draft(self, doctor_id: str, slot: str) -> dict[str, Any]:
        response = await self.post("/api/applications/H2/draft", {"doctorId": doctor_id, "slotStart": slot})
        assert response.status_code == 201, response.text
        return dict(response.json())


async def attached_citizen(
    spec: tuple[str, str, str, str], *, portal_url: str, gbd_url: str, keys: KeyIssuer
) -> Citizen:
    """A new person of ГБД ФЛ, attached to :data:`ORGANISATION` through the portal (H1), logged in."""
    async with httpx.AsyncClient(base_url=gbd_url, timeout=30) as gbd:
        person = await add_person(gbd, *spec)
    citizen = Citizen(person, portal_url, keys)
    await citizen.login("H1")
    created = await citizen.post(
        "/api/applications/H1/draft", {"organisationCode": ORGANISATION, "reason": "Прикрепление / Бекіту"}
    )
    assert created.status_code == 201, created.text
    attached = await citizen.wait(await citizen.submit("H1", created.json()))
    assert attached["status"] == "done", attached
    return citizen


def install_key(citizen: Citizen, signer_keys: Path) -> None:
    """The person's key in the local signer's folder (as a citizen installs a key for NCALayer)."""
    citizen.keypair.save(signer_keys / f"h2-{citizen.person.iin}")
